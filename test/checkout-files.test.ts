// The suite's guard against tests that write into the checkout (issue 19), tried on a scratch
// git repository shaped like the workspace.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkoutChanges, checkoutEntries } from './support/checkout-files.js';

let repo: string;

function write(file: string, text = 'x\n'): void {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
}

beforeEach(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'tixgo-checkout-'));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  write('.gitignore', 'node_modules/\ndist/\n*.tsbuildinfo\ntest-results/\n.data/\n');
  write('package.json', '{}\n');
  write('services/identity/package.json', '{}\n');
  write('services/identity/src/app.ts');
  execFileSync('git', ['add', '-A'], { cwd: repo });
});

afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

describe('the checkout guard', () => {
  it('takes build output and the packages’ own dependencies for allowed changes', () => {
    const before = checkoutEntries(repo);
    write('node_modules/pino/index.js');
    write('services/identity/node_modules/.bin/pino');
    write('services/identity/dist/app.js');
    write('services/identity/tsconfig.tsbuildinfo');
    write('test-results/vitest.json');
    expect(checkoutChanges(before, checkoutEntries(repo))).toEqual({ added: [], removed: [] });
  });

  it('names a folder pnpm deploy left inside services/, although git ignores its node_modules', () => {
    const before = checkoutEntries(repo);
    write('services/tixgo-image-KskKeU/identity/node_modules/.bin/pino');
    const changes = checkoutChanges(before, checkoutEntries(repo));
    expect(changes.added).toContain('services/tixgo-image-KskKeU/identity/node_modules/');
    expect(changes.added.every((entry) => entry.startsWith('services/tixgo-image-KskKeU/'))).toBe(true);
    expect(changes.removed).toEqual([]);
  });

  it('names new ignored data, new untracked files, rewritten and deleted tracked files', () => {
    const before = checkoutEntries(repo);
    write('.data/portal/tls/key.pem');
    write('stray.txt');
    write('services/identity/src/app.ts', 'changed\n');
    rmSync(path.join(repo, 'package.json'));
    const changes = checkoutChanges(before, checkoutEntries(repo));
    expect(changes.added).toEqual(['.data/', 'M package.json', 'M services/identity/src/app.ts', 'stray.txt']);
    expect(changes.removed).toEqual([]);
  });
});
