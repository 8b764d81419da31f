// Environment parsing: bad values stop the service naming the variable, never echoing it (spec: configuration).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  commonConfig,
  commonEnvSchema,
  DEFAULT_SERVER_LIMITS,
  env,
  parseEnv,
  persistedDevSecret,
  resolveJwtSecret,
  resolvePreviousJwtSecret,
  tokenLifetimeMinutes,
} from '../src/index.js';

const schema = commonEnvSchema.extend({ PORT: env.port(18081), FLAG: env.boolean(false) });

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('applies the defaults to an empty environment', () => {
    expect(parseEnv(schema, {})).toEqual({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: '.data',
      REVOCATION_POLL_SECONDS: 5,
      REQUEST_TIMEOUT_SECONDS: 30,
      MAX_CONNECTIONS: 1000,
      PORT: 18081,
      FLAG: false,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { PORT: '', LOG_LEVEL: '  ' })).toMatchObject({ PORT: 18081, LOG_LEVEL: 'info' });
  });

  it('reads numbers and booleans from their text', () => {
    expect(parseEnv(schema, { PORT: '0', FLAG: 'yes', NODE_ENV: 'production' })).toMatchObject({
      PORT: 0,
      FLAG: true,
      NODE_ENV: 'production',
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['FLAG', 'maybe'],
    ['TOKEN_EXPIRE_MINUTES', '-5'],
    ['JWT_EXPIRE_MINUTES', 'ten'],
    ['REQUEST_TIMEOUT_SECONDS', '0'],
    ['REQUEST_TIMEOUT_SECONDS', '3601'],
    ['MAX_CONNECTIONS', '0'],
    ['MAX_CONNECTIONS', 'many'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    const error = configError(() => parseEnv(schema, { [name]: value }));
    expect(error.message).toMatch(new RegExp(`^Invalid configuration:\\n {2}${name}: `));
  });

  it('names every bad variable at once', () => {
    const error = configError(() => parseEnv(schema, { PORT: 'abc', LOG_LEVEL: 'loud' }));
    expect(error.message).toContain('PORT: ');
    expect(error.message).toContain('LOG_LEVEL: ');
  });

  it('never echoes the bad value (it may be a secret pasted into the wrong variable)', () => {
    const secretLooking = 'hunter2-s3cr3t-pasted-here';
    for (const name of ['PORT', 'LOG_LEVEL', 'NODE_ENV', 'FLAG', 'TOKEN_EXPIRE_MINUTES']) {
      const error = configError(() => parseEnv(schema, { [name]: secretLooking, JWT_SECRET: 'x'.repeat(40) }));
      expect(error.message).toContain(`${name}: `);
      expect(error.message).not.toContain(secretLooking);
      expect(error.message).not.toContain('x'.repeat(40));
    }
  });
});

describe('resolveJwtSecret in production', () => {
  it('refuses a missing secret, naming JWT_SECRET', () => {
    expect(configError(() => resolveJwtSecret(undefined, 'production')).message).toBe(
      'JWT_SECRET: required in production',
    );
  });

  it('refuses a secret shorter than 32 bytes without echoing it', () => {
    const error = configError(() => resolveJwtSecret('short-but-not-empty', 'production'));
    expect(error.message).toBe('JWT_SECRET: must be at least 32 bytes in production');
    expect(error.message).not.toContain('short-but-not-empty');
  });

  it('counts bytes, not characters: 16 two-byte characters are enough', () => {
    expect(resolveJwtSecret('é'.repeat(16), 'production')).toBe('é'.repeat(16));
    expect(() => resolveJwtSecret('é'.repeat(15), 'production')).toThrow(ConfigError);
  });

  it('refuses a published example value, whatever its case or surrounding spaces', () => {
    for (const example of [
      'change-me-to-a-long-random-string-of-32-bytes-or-more',
      ' CHANGE-ME-TO-A-LONG-RANDOM-STRING-OF-32-BYTES-OR-MORE ',
    ]) {
      expect(configError(() => resolveJwtSecret(example, 'production')).message).toBe(
        'JWT_SECRET: is a published example value; generate a random one',
      );
    }
  });

  it('does not use a fallback in production', () => {
    expect(() => resolveJwtSecret(undefined, 'production', () => 'y'.repeat(64))).toThrow(ConfigError);
  });

  it('accepts a long random secret', () => {
    // Made at run time: a secret written into the repository is a published one (see published-secrets.test.ts).
    const secret = randomBytes(32).toString('base64url');
    expect(resolveJwtSecret(secret, 'production')).toBe(secret);
  });

  it("refuses the dev compose file's default secret", () => {
    expect(
      configError(() => resolveJwtSecret('tixgo-dev-only-secret-not-for-production-0123456789', 'production')).message,
    ).toBe('JWT_SECRET: is a published example value; generate a random one');
  });
});

describe('resolvePreviousJwtSecret (JWT_SECRET_PREVIOUS)', () => {
  const current = randomBytes(32).toString('base64url');

  it('holds the previous secret to the production rules, naming JWT_SECRET_PREVIOUS without echoing it', () => {
    const short = configError(() => resolvePreviousJwtSecret('short-old-secret', current, 'production'));
    expect(short.message).toBe('JWT_SECRET_PREVIOUS: must be at least 32 bytes in production');
    expect(short.message).not.toContain('short-old-secret');
    const published = configError(() =>
      resolvePreviousJwtSecret('tixgo-dev-only-secret-not-for-production-0123456789', current, 'production'),
    );
    expect(published.message).toBe('JWT_SECRET_PREVIOUS: is a published example value; generate a random one');
  });

  it('accepts a long random previous secret in production, and anything outside it', () => {
    const previous = randomBytes(32).toString('base64url');
    expect(resolvePreviousJwtSecret(previous, current, 'production')).toBe(previous);
    expect(resolvePreviousJwtSecret('old', current, 'development')).toBe('old');
  });

  it('is unset when not given, or given the current secret itself', () => {
    expect(resolvePreviousJwtSecret(undefined, current, 'production')).toBeUndefined();
    expect(resolvePreviousJwtSecret(current, current, 'production')).toBeUndefined();
  });
});

describe('resolveJwtSecret outside production', () => {
  it('accepts any given secret', () => {
    expect(resolveJwtSecret('dev', 'development')).toBe('dev');
  });

  it('uses the fallback when the secret is missing', () => {
    expect(resolveJwtSecret(undefined, 'test', () => 'from-data-dir')).toBe('from-data-dir');
  });

  it('refuses a missing secret without a fallback', () => {
    expect(configError(() => resolveJwtSecret(undefined, 'development')).message).toBe('JWT_SECRET: required');
  });
});

describe('tokenLifetimeMinutes', () => {
  it('defaults to 120 minutes', () => {
    expect(tokenLifetimeMinutes(parseEnv(schema, {}))).toBe(120);
  });

  it('reads TOKEN_EXPIRE_MINUTES', () => {
    expect(tokenLifetimeMinutes(parseEnv(schema, { TOKEN_EXPIRE_MINUTES: '15' }))).toBe(15);
  });

  it('accepts JWT_EXPIRE_MINUTES as an alias (compat)', () => {
    expect(tokenLifetimeMinutes(parseEnv(schema, { JWT_EXPIRE_MINUTES: '45' }))).toBe(45);
  });

  it('prefers TOKEN_EXPIRE_MINUTES when both are set', () => {
    expect(tokenLifetimeMinutes(parseEnv(schema, { TOKEN_EXPIRE_MINUTES: '15', JWT_EXPIRE_MINUTES: '45' }))).toBe(15);
  });

  it('caps the lifetime at a day in production, naming the variable that asks for more', () => {
    expect(tokenLifetimeMinutes(parseEnv(schema, { TOKEN_EXPIRE_MINUTES: '1440' }), 'production')).toBe(1440);
    for (const name of ['TOKEN_EXPIRE_MINUTES', 'JWT_EXPIRE_MINUTES']) {
      const error = configError(() => tokenLifetimeMinutes(parseEnv(schema, { [name]: '1441' }), 'production'));
      expect(error.message).toBe(`Invalid configuration:\n  ${name}: at most 1440 minutes in production`);
    }
    // Outside production a long lifetime stays possible (a test rig, a demo).
    expect(tokenLifetimeMinutes(parseEnv(schema, { TOKEN_EXPIRE_MINUTES: '10080' }), 'development')).toBe(10080);
  });
});

describe('commonConfig', () => {
  const withPort = (source: NodeJS.ProcessEnv) =>
    commonConfig({ ...parseEnv(schema, { JWT_SECRET: 'dev', ...source }) });

  it('bounds every service by a 30 s request timeout and 1000 connections by default', () => {
    expect(withPort({}).serverLimits).toEqual({ requestTimeoutMs: 30_000, maxConnections: 1000 });
    expect(withPort({}).serverLimits).toEqual(DEFAULT_SERVER_LIMITS);
  });

  it('reads REQUEST_TIMEOUT_SECONDS and MAX_CONNECTIONS', () => {
    expect(withPort({ REQUEST_TIMEOUT_SECONDS: '5', MAX_CONNECTIONS: '64' }).serverLimits).toEqual({
      requestTimeoutMs: 5000,
      maxConnections: 64,
    });
  });
});

describe('persistedDevSecret', () => {
  it('generates a secret once, keeps it private in DATA_DIR and returns the same one later', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tixgo-secret-'));
    try {
      const first = persistedDevSecret(path.join(dataDir, 'nested'));
      expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
      expect(persistedDevSecret(path.join(dataDir, 'nested'))).toBe(first);
      const file = path.join(dataDir, 'nested', 'jwt-secret');
      expect((await readFile(file, 'utf8')).trim()).toBe(first);
      expect((await stat(file)).mode & 0o077).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
