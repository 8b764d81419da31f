// A throw-away copy of the workspace (its tracked files plus the build output) for tests that run
// tools which write next to the workspace: `pnpm deploy` links bins into a path it derives from the
// workspace (services/<name>/<target>/node_modules/.bin), so running it in the checkout leaves
// folders there that later runs take for workspace packages (issue 19).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const repositoryRoot = path.resolve(import.meta.dirname, '..', '..');

/** Build output the copy needs beside the tracked files: every package's dist/ and the web UI's. */
function buildOutputFolders(root: string): string[] {
  const folders: string[] = [];
  for (const group of ['packages', 'services']) {
    for (const name of readdirSync(path.join(root, group))) {
      const dist = path.join(group, name, 'dist');
      if (existsSync(path.join(root, dist))) folders.push(dist);
    }
  }
  const web = path.join('services', 'portal', 'web', 'dist');
  if (existsSync(path.join(root, web))) folders.push(web);
  return folders;
}

/**
 * Copies the tracked files (as they are in the working tree, uncommitted edits included) and the
 * build output into a fresh folder under the system temp directory; returns its path. The caller
 * removes it. No node_modules: pnpm installs from its store where a command needs them.
 */
export function copyWorkspace(prefix = 'tixgo-workspace-'): string {
  const target = mkdtempSync(path.join(tmpdir(), prefix));
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached'], { cwd: repositoryRoot, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(path.join(repositoryRoot, file)));
  for (const file of tracked) {
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(path.join(repositoryRoot, file), path.join(target, file));
  }
  for (const folder of buildOutputFolders(repositoryRoot)) {
    cpSync(path.join(repositoryRoot, folder), path.join(target, folder), { recursive: true });
  }
  return target;
}
