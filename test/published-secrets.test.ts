// Issue 10, item 11: production refuses every JWT secret this repository publishes: the dev compose file's
// default, examples, and any test fixture. Scans the tracked files, so a secret added later without being
// listed in EXAMPLE_JWT_SECRETS (packages/platform/src/config.ts) fails here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveJwtSecret } from '../packages/platform/src/index.js';

const root = path.resolve(import.meta.dirname, '..');

/** Where a secret can be written down: a shell/env/compose default, an env assignment, or a string literal of a *SECRET* name. */
const PATTERNS = [
  // ${JWT_SECRET:-value} in compose files and shell scripts
  /\$\{[A-Z_]*SECRET[A-Z_]*:-([^}]+)\}/g,
  // JWT_SECRET=value in env files, shell lines and docs (a reference such as $X or … is no value)
  /\b[A-Z_]*SECRET[A-Z_]*=([^\s"'`$…|)][^\s"'`|)]*)/g,
  // JWT_SECRET: 'value', SECRET = "value", TEST_JWT_SECRET = 'value' in code and YAML
  /\b[A-Za-z_]*(?:SECRET|Secret)[A-Za-z_]*\s*[:=]\s*['"`]([^'"`$\n]+)['"`]/g,
];

function publishedSecrets(): Map<string, string> {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file !== '' && file !== 'pnpm-lock.yaml' && !/\.(png|jpe?g|ico|gz|woff2?)$/.test(file));
  const found = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(path.join(root, file), 'utf8');
    } catch {
      continue; // deleted in the work tree
    }
    for (const pattern of PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const value = (match[1] as string).trim();
        if (value !== '' && !found.has(value)) found.set(value, file);
      }
    }
  }
  return found;
}

describe('JWT secrets published in this repository', () => {
  const secrets = publishedSecrets();

  it("finds the dev compose file's default among them (the scan works)", () => {
    expect(secrets.get('tixgo-dev-only-secret-not-for-production-0123456789')).toBe('docker-compose.yml');
  });

  it.each([...secrets])('refuses %j (from %s) in production', (secret) => {
    expect(() => resolveJwtSecret(secret, 'production')).toThrow(ConfigError);
  });
});
