// What the test suite may not change: the checkout's files, ignored ones included, apart from the
// build output and the installed dependencies of the workspace's own packages. The global setup
// lists them before the run and after it; a test that leaves anything behind fails the run (issue
// 19: a stray `services/tixgo-image-…/` from `pnpm deploy` made the next run's manifest test red).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

function gitLines(root: string, args: string[]): string[] {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((line) => line !== '');
}

/**
 * Whether an ignored entry is output the suite is allowed to (re)make: `node_modules/` and `dist/`
 * right inside a folder whose package.json is tracked (the workspace's real packages, the web
 * UI), TypeScript's build info, and the test reporter's own folder.
 */
function isAllowedOutput(entry: string, packageDirs: ReadonlySet<string>): boolean {
  if (entry.endsWith('.tsbuildinfo')) return true;
  if (entry === 'test-results/' || entry.startsWith('test-results/')) return true;
  const match = /^(?:(.*)\/)?(node_modules|dist)\/$/.exec(entry);
  return match !== null && packageDirs.has(match[1] ?? '.');
}

/**
 * Every file or collapsed ignored folder of the checkout at `root` (as git lists them), without
 * allowed build output; modified tracked files are listed as `M <path>` so a rewrite shows too.
 */
export function checkoutEntries(root: string): string[] {
  const packageDirs = new Set(
    gitLines(root, ['ls-files', '-z', '--', 'package.json', '*/package.json']).map((file) => {
      const dir = path.posix.dirname(file);
      return dir === '' ? '.' : dir;
    }),
  );
  const files = gitLines(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const ignored = gitLines(root, [
    'ls-files',
    '-z',
    '--others',
    '--ignored',
    '--exclude-standard',
    '--directory',
  ]).filter((entry) => !isAllowedOutput(entry, packageDirs));
  const modified = gitLines(root, ['diff', '-z', '--name-only']).map((file) => `M ${file}`);
  return [...new Set([...files, ...ignored, ...modified])].sort();
}

export interface CheckoutChanges {
  added: string[];
  removed: string[];
}

/** What differs between two listings of `checkoutEntries`. */
export function checkoutChanges(before: readonly string[], after: readonly string[]): CheckoutChanges {
  const was = new Set(before);
  const is = new Set(after);
  return {
    added: after.filter((entry) => !was.has(entry)),
    removed: before.filter((entry) => !is.has(entry)),
  };
}
