// The identity service's environment (spec: configuration; identity's demo users and bootstrap admin).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@tixgo/platform';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

// Made at run time: production refuses any secret written in the repository.
const SECRET = randomBytes(32).toString('base64url');

function configError(source: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from the documented defaults', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config).toEqual({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 18081,
      logLevel: 'info',
      dataDir: '.data',
      databaseUrl: undefined,
      dbPoolSize: 10,
      jwtSecret: SECRET,
      jwtPreviousSecret: undefined,
      tokenExpireMinutes: 120,
      revocationPollSeconds: 5,
      serverLimits: { requestTimeoutMs: 30_000, maxConnections: 1000 },
      refreshTokenExpireDays: 7,
      refreshReuseGraceSeconds: 20,
      bcryptCost: 12,
      seedDemoUsers: true,
      bootstrapAdmin: undefined,
      loginLimits: { perIp: 60, perUsername: 10, windowSeconds: 300, lockoutMaxSeconds: 900 },
      openRegistration: true,
      trustProxy: false,
      corsOrigins: [],
    });
  });

  it('reads CORS_ORIGINS (the browser origins allowed to call identity)', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, CORS_ORIGINS: 'https://panitia.github.io,http://localhost:5173' }).corsOrigins,
    ).toEqual(['https://panitia.github.io', 'http://localhost:5173']);
  });

  it.each([
    ['PORT', 'abc'],
    ['BCRYPT_COST', '99'],
    ['BCRYPT_COST', '3'],
    ['LOG_LEVEL', 'loud'],
    ['REFRESH_TOKEN_EXPIRE_DAYS', '1000'],
    ['LOGIN_MAX_PER_IP', '0'],
    ['SEED_DEMO_USERS', 'sometimes'],
    ['DB_POOL_SIZE', 'many'],
    ['CORS_ORIGINS', 'https://panitia.github.io/app'],
  ])('refuses %s=%s with a ConfigError naming the variable and not echoing secrets', (name, value) => {
    const error = configError({
      JWT_SECRET: SECRET,
      ADMIN_USERNAME: 'boss',
      ADMIN_PASSWORD: 'boss-password-xyz',
      [name]: value,
    });
    expect(error.message).toMatch(new RegExp(`^Invalid configuration:\\n {2}${name}: `));
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('boss-password-xyz');
  });

  it('reads TOKEN_EXPIRE_MINUTES', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, TOKEN_EXPIRE_MINUTES: '15' }).tokenExpireMinutes).toBe(15);
  });

  it('accepts JWT_EXPIRE_MINUTES as an alias (compat), TOKEN_EXPIRE_MINUTES winning when both are set', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, JWT_EXPIRE_MINUTES: '45' }).tokenExpireMinutes).toBe(45);
    expect(
      loadConfig({ JWT_SECRET: SECRET, JWT_EXPIRE_MINUTES: '45', TOKEN_EXPIRE_MINUTES: '15' }).tokenExpireMinutes,
    ).toBe(15);
  });

  it('seeds the demo users by default outside production only', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'development' }).seedDemoUsers).toBe(true);
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'test' }).seedDemoUsers).toBe(true);
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production' }).seedDemoUsers).toBe(false);
  });

  it('lets SEED_DEMO_USERS decide either way outside production', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, SEED_DEMO_USERS: 'false' }).seedDemoUsers).toBe(false);
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'test', SEED_DEMO_USERS: 'true' }).seedDemoUsers).toBe(true);
  });

  it('reads the bootstrap admin from ADMIN_USERNAME and ADMIN_PASSWORD', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-pass' }).bootstrapAdmin,
    ).toEqual({
      username: 'boss',
      password: 'boss-pass',
    });
  });

  it('refuses ADMIN_USERNAME without ADMIN_PASSWORD and the other way round', () => {
    for (const partial of [{ ADMIN_USERNAME: 'boss' }, { ADMIN_PASSWORD: 'boss-pass' }]) {
      const error = configError({ JWT_SECRET: SECRET, ...partial });
      expect(error.message).toContain('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
      expect(error.message).not.toContain('boss-pass');
    }
  });

  it('refuses a bootstrap admin that registration would refuse, without echoing the password', () => {
    const tooLong = 'ü'.repeat(40); // 80 bytes: bcrypt would silently use only the first 72
    for (const [variables, name] of [
      [{ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: tooLong }, 'ADMIN_PASSWORD'],
      [{ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'abc' }, 'ADMIN_PASSWORD'],
      [{ ADMIN_USERNAME: 'bo', ADMIN_PASSWORD: 'boss-pass' }, 'ADMIN_USERNAME'],
    ] as const) {
      const error = configError({ JWT_SECRET: SECRET, ...variables });
      expect(error.message).toMatch(new RegExp(`^Invalid configuration:\\n {2}${name}: `));
      expect(error.message).not.toContain(variables.ADMIN_PASSWORD);
    }
  });

  it('reads TRUST_PROXY as off or a list of addresses', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: '10.0.0.1, 172.16.0.0/12' }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
    ]);
  });

  it('refuses TRUST_PROXY=true: X-Forwarded-For is believed from the portal only, never from anyone', () => {
    const error = configError({ JWT_SECRET: SECRET, TRUST_PROXY: 'true' });
    expect(error.message).toBe(
      "Invalid configuration:\n  TRUST_PROXY: must name the portal's addresses (true would believe X-Forwarded-For from anyone)",
    );
  });

  it('opens self-registration by default outside production only, and lets OPEN_REGISTRATION decide', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'development' }).openRegistration).toBe(true);
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production' }).openRegistration).toBe(false);
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production', OPEN_REGISTRATION: 'true' }).openRegistration).toBe(
      true,
    );
    expect(loadConfig({ JWT_SECRET: SECRET, OPEN_REGISTRATION: 'false' }).openRegistration).toBe(false);
  });

  it('normalises the bootstrap admin name as registration does', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, ADMIN_USERNAME: ' boss ', ADMIN_PASSWORD: 'boss-pass' }).bootstrapAdmin,
    ).toEqual({ username: 'boss', password: 'boss-pass' });
  });
});

describe('loadConfig in production', () => {
  it('refuses SEED_DEMO_USERS=true, naming the variable, as it refuses a published secret', () => {
    const error = configError({ NODE_ENV: 'production', JWT_SECRET: SECRET, SEED_DEMO_USERS: 'true' });
    expect(error.message).toBe(
      'Invalid configuration:\n  SEED_DEMO_USERS: demo users (published passwords) are refused in production; set ADMIN_USERNAME/ADMIN_PASSWORD for the first admin',
    );
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, SEED_DEMO_USERS: 'false' }).seedDemoUsers).toBe(
      false,
    );
  });

  it('refuses a missing JWT_SECRET', () => {
    expect(configError({ NODE_ENV: 'production' }).message).toBe('JWT_SECRET: required in production');
  });

  it('refuses a JWT_SECRET shorter than 32 bytes without echoing it', () => {
    const error = configError({ NODE_ENV: 'production', JWT_SECRET: 'too-short-secret' });
    expect(error.message).toBe('JWT_SECRET: must be at least 32 bytes in production');
    expect(error.message).not.toContain('too-short-secret');
  });

  it('refuses the example value from .env.example', () => {
    const error = configError({
      NODE_ENV: 'production',
      JWT_SECRET: 'change-me-to-a-long-random-string-of-32-bytes-or-more',
    });
    expect(error.message).toBe('JWT_SECRET: is a published example value; generate a random one');
  });

  it('refuses a TOKEN_EXPIRE_MINUTES over a day', () => {
    expect(configError({ NODE_ENV: 'production', JWT_SECRET: SECRET, TOKEN_EXPIRE_MINUTES: '2000' }).message).toBe(
      'Invalid configuration:\n  TOKEN_EXPIRE_MINUTES: at most 1440 minutes in production',
    );
  });

  it('starts with a long random secret', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(config.jwtSecret).toBe(SECRET);
    expect(config.nodeEnv).toBe('production');
  });
});

describe('loadConfig outside production without JWT_SECRET', () => {
  it('generates a secret once and keeps it in DATA_DIR', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tixgo-identity-config-'));
    try {
      const first = loadConfig({ DATA_DIR: dataDir }).jwtSecret;
      expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
      expect(loadConfig({ DATA_DIR: dataDir }).jwtSecret).toBe(first);
      expect((await readFile(path.join(dataDir, 'jwt-secret'), 'utf8')).trim()).toBe(first);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
