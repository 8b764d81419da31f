// The attendance environment: defaults, parsing, and start-up refusals that name the variable.
import { randomBytes } from 'node:crypto';
import { ConfigError } from '@tixgo/platform';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const base = { JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' };

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ ...base });
    expect(config).toMatchObject({
      port: 18082,
      host: '127.0.0.1',
      dataDir: '.data',
      databaseUrl: undefined,
      dbPoolSize: 16,
      checkinBatchConcurrency: 4,
      checkinBatchMax: 100,
      requireRegisteredEvents: false,
      idempotencyTtlSeconds: 24 * 3600,
      offlineScanMaxAgeHours: 72,
      attendanceCacheBytes: 32 * 1024 * 1024,
      ticketImportMaxBytes: 16 * 1024 * 1024,
      tokenExpireMinutes: 120,
      checkinLimits: {
        perUser: { ratePerSecond: 100, burst: 1000 },
        perClient: { ratePerSecond: 1000, burst: 10_000 },
      },
      corsOrigins: [],
    });
  });

  it('reads CORS_ORIGINS and refuses an origin with a path, naming the variable', () => {
    expect(loadConfig({ ...base, CORS_ORIGINS: 'http://localhost:5173' }).corsOrigins).toEqual([
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ ...base, CORS_ORIGINS: 'http://localhost:5173/x' })).toThrow(/CORS_ORIGINS/);
  });

  it('requires registered events by default in production only, and lets either be set', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('base64url') };
    expect(loadConfig(production).requireRegisteredEvents).toBe(true);
    expect(loadConfig({ ...production, REQUIRE_REGISTERED_EVENTS: 'false' }).requireRegisteredEvents).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).requireRegisteredEvents).toBe(false);
    expect(loadConfig({ ...base, REQUIRE_REGISTERED_EVENTS: 'true' }).requireRegisteredEvents).toBe(true);
  });

  it('reads the check-in rate limits', () => {
    const config = loadConfig({
      ...base,
      CHECKIN_RATE_PER_USER: '5',
      CHECKIN_BURST_PER_USER: '50',
      CHECKIN_RATE_PER_CLIENT: '20',
      CHECKIN_BURST_PER_CLIENT: '200',
    });
    expect(config.checkinLimits).toEqual({
      perUser: { ratePerSecond: 5, burst: 50 },
      perClient: { ratePerSecond: 20, burst: 200 },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...base,
      PORT: '9000',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/tixgo',
      DATABASE_URL: 'postgres://u@db/tixgo',
      DB_POOL_SIZE: '16',
      REQUIRE_REGISTERED_EVENTS: 'true',
      IDEMPOTENCY_TTL_HOURS: '2',
      OFFLINE_SCAN_MAX_AGE_HOURS: '12',
      ATTENDANCE_CACHE_MB: '0',
      TICKET_IMPORT_MAX_MB: '4',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/var/lib/tixgo',
      databaseUrl: 'postgres://u@db/tixgo',
      dbPoolSize: 16,
      requireRegisteredEvents: true,
      idempotencyTtlSeconds: 7200,
      offlineScanMaxAgeHours: 12,
      attendanceCacheBytes: 0,
      ticketImportMaxBytes: 4 * 1024 * 1024,
    });
  });

  it('polls identity on one URL by default and takes one per identity replica, comma-separated', () => {
    expect(loadConfig({ ...base }).identityBaseUrls).toEqual(['http://127.0.0.1:18081']);
    expect(
      loadConfig({ ...base, IDENTITY_BASE_URL: 'http://identity:18081, http://identity-2:18081' }).identityBaseUrls,
    ).toEqual(['http://identity:18081', 'http://identity-2:18081']);
  });

  it.each([
    ['IDENTITY_BASE_URL', 'http://identity:18081,not a url'],
    ['PORT', 'eighty'],
    ['DB_POOL_SIZE', '0'],
    ['REQUIRE_REGISTERED_EVENTS', 'maybe'],
    ['IDEMPOTENCY_TTL_HOURS', '-1'],
    ['OFFLINE_SCAN_MAX_AGE_HOURS', '0'],
    ['ATTENDANCE_CACHE_MB', 'lots'],
    ['CHECKIN_RATE_PER_USER', '0'],
    ['CHECKIN_BURST_PER_CLIENT', 'many'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });

  it('refuses to start in production without a strong JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('JWT_SECRET');
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow('JWT_SECRET');
  });
});
