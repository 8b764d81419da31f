// The portal's environment: defaults, validation naming the variable, production rules.
import { randomBytes } from 'node:crypto';
import { ConfigError } from '@tixgo/platform';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

// Made at run time: production refuses any secret written in the repository.
const SECRET = randomBytes(32).toString('base64url');

describe('loadConfig', () => {
  it('defaults to HTTPS on 18443 with identity and attendance on loopback and gate-sized timeouts', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 18443,
      host: '127.0.0.1',
      plainHttp: false,
      tls: undefined,
      tokenExpireMinutes: 120,
      identity: { baseUrls: ['http://127.0.0.1:18081'], timeoutMs: 5000, connectTimeoutMs: 2000, retries: 2 },
      attendance: {
        baseUrls: ['http://127.0.0.1:18082'],
        timeoutMs: 5000,
        connectTimeoutMs: 2000,
        retries: 2,
        connections: 128,
      },
      checkinsPerClient: { ratePerSecond: 1000, burst: 10_000 },
    });
  });

  it('times TLS handshakes out after 5 s and caps 200 connections per client address by default (issue 15, item 2)', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config.tlsHandshakeTimeoutMs).toBe(5000);
    expect(config.serverLimits).toEqual({
      requestTimeoutMs: 30_000,
      maxConnections: 1000,
      maxConnectionsPerClient: 200,
    });
    const set = loadConfig({ JWT_SECRET: SECRET, TLS_HANDSHAKE_TIMEOUT_SECONDS: '2', MAX_CONNECTIONS_PER_CLIENT: '0' });
    expect(set.tlsHandshakeTimeoutMs).toBe(2000);
    expect(set.serverLimits.maxConnectionsPerClient).toBe(0);
  });

  it('refuses TRUST_PROXY=true: only named proxies may set the client address (issue 15, item 5)', () => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: 'true' })).toThrow(
      "TRUST_PROXY: must list the proxies' addresses",
    );
    expect(loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8']);
  });

  it('reads the per-address check-in limit from the variables attendance reads too', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, CHECKIN_RATE_PER_CLIENT: '50', CHECKIN_BURST_PER_CLIENT: '500' });
    expect(config.checkinsPerClient).toEqual({ ratePerSecond: 50, burst: 500 });
  });

  it('reads every portal variable', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      PORT: '9443',
      HOST: '0.0.0.0',
      PORTAL_HTTP: 'true',
      TLS_CERT_FILE: '/etc/tixgo/cert.pem',
      TLS_KEY_FILE: '/etc/tixgo/key.pem',
      IDENTITY_BASE_URL: 'http://identity:8000',
      ATTENDANCE_BASE_URL: 'http://attendance:8000/prefix',
      UPSTREAM_TIMEOUT_MS: '3000',
      UPSTREAM_CONNECT_TIMEOUT_MS: '500',
      UPSTREAM_RETRIES: '0',
      UPSTREAM_RETRY_DELAY_MS: '10',
      UPSTREAM_RETRY_MAX_DELAY_MS: '200',
      UPSTREAM_CONNECTIONS: '64',
      TRUST_PROXY: '10.0.0.1, 10.0.0.2',
      TICKET_IMPORT_MAX_MB: '4',
    });
    expect(config).toMatchObject({
      port: 9443,
      host: '0.0.0.0',
      plainHttp: true,
      tls: { certFile: '/etc/tixgo/cert.pem', keyFile: '/etc/tixgo/key.pem' },
      trustProxy: ['10.0.0.1', '10.0.0.2'],
      ticketImportMaxBytes: 4 * 1024 * 1024,
      identity: { baseUrls: ['http://identity:8000'] },
      attendance: {
        baseUrls: ['http://attendance:8000/prefix'],
        timeoutMs: 3000,
        connectTimeoutMs: 500,
        retries: 0,
        retryDelayMs: 10,
        retryMaxDelayMs: 200,
        connections: 64,
      },
    });
  });

  it('takes a comma-separated list of replicas for each upstream', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      IDENTITY_BASE_URL: 'http://identity:18081,http://identity-2:18081',
      ATTENDANCE_BASE_URL: ' http://attendance:18082 , http://attendance-2:18082,http://attendance:18082',
    });
    expect(config.identity.baseUrls).toEqual(['http://identity:18081', 'http://identity-2:18081']);
    // Blanks around commas are ignored, a repeated URL counts once.
    expect(config.attendance.baseUrls).toEqual(['http://attendance:18082', 'http://attendance-2:18082']);
  });

  it.each([
    [{ ATTENDANCE_BASE_URL: 'http://attendance:18082,http://attendance-2:18082/prefix' }, 'same path'],
    [{ ATTENDANCE_BASE_URL: ' , ' }, 'ATTENDANCE_BASE_URL'],
    [{ ATTENDANCE_BASE_URL: 'http://attendance:18082,ftp://attendance-2' }, 'ATTENDANCE_BASE_URL'],
    [{ ATTENDANCE_BASE_URL: 'not a url' }, 'ATTENDANCE_BASE_URL'],
    [{ IDENTITY_BASE_URL: 'ftp://identity' }, 'IDENTITY_BASE_URL'],
    [{ UPSTREAM_TIMEOUT_MS: '0' }, 'UPSTREAM_TIMEOUT_MS'],
    [{ UPSTREAM_RETRIES: '-1' }, 'UPSTREAM_RETRIES'],
    [{ PORTAL_HTTP: 'maybe' }, 'PORTAL_HTTP'],
    [{ PORT: '70000' }, 'PORT'],
    [{ TLS_CERT_FILE: '/only/the/cert.pem' }, 'TLS_CERT_FILE and TLS_KEY_FILE must be set together'],
    [{ UPSTREAM_RETRY_DELAY_MS: '500', UPSTREAM_RETRY_MAX_DELAY_MS: '100' }, 'UPSTREAM_RETRY_MAX_DELAY_MS'],
  ])('refuses %o with a message naming %s', (env, name) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(name);
  });

  it('refuses to start in production without a strong JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('JWT_SECRET: required in production');
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow('at least 32 bytes');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
  });
});

describe('check-in batching settings', () => {
  it('defaults to 1 batch call in flight of at most 100 check-ins, and reads both variables', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).checkinBatching).toEqual({ concurrency: 1, max: 100 });
    expect(
      loadConfig({ JWT_SECRET: SECRET, UPSTREAM_CHECKIN_BATCH_CONCURRENCY: '2', UPSTREAM_CHECKIN_BATCH_MAX: '200' })
        .checkinBatching,
    ).toEqual({ concurrency: 2, max: 200 });
  });

  it.each([
    [{ UPSTREAM_CHECKIN_BATCH_CONCURRENCY: '0' }, 'UPSTREAM_CHECKIN_BATCH_CONCURRENCY'],
    [{ UPSTREAM_CHECKIN_BATCH_MAX: '201' }, 'UPSTREAM_CHECKIN_BATCH_MAX'],
    [{ UPSTREAM_CHECKIN_BATCH_MAX: 'many' }, 'UPSTREAM_CHECKIN_BATCH_MAX'],
  ])('refuses %o with a message naming %s', (env, name) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(name);
  });
});

describe('live stream settings', () => {
  it('defaults to one read a second at most (a safety read every 30 s), a heartbeat every 15 s and 1000 streams (100 per account and per address), and reads them', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).live).toEqual({
      intervalMs: 1000,
      safetyPollMs: 30_000,
      heartbeatMs: 15_000,
      maxStreams: 1000,
      maxStreamsPerUser: 100,
      maxStreamsPerClient: 100,
    });
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        LIVE_INTERVAL_MS: '500',
        LIVE_SAFETY_POLL_MS: '10000',
        LIVE_HEARTBEAT_MS: '20000',
        LIVE_MAX_STREAMS: '50',
        LIVE_MAX_STREAMS_PER_USER: '5',
        LIVE_MAX_STREAMS_PER_CLIENT: '7',
      }).live,
    ).toEqual({
      intervalMs: 500,
      safetyPollMs: 10_000,
      heartbeatMs: 20_000,
      maxStreams: 50,
      maxStreamsPerUser: 5,
      maxStreamsPerClient: 7,
    });
  });

  it.each([
    [{ LIVE_INTERVAL_MS: '0' }, 'LIVE_INTERVAL_MS'],
    [{ LIVE_HEARTBEAT_MS: 'often' }, 'LIVE_HEARTBEAT_MS'],
    [{ LIVE_MAX_STREAMS: '100001' }, 'LIVE_MAX_STREAMS'],
  ])('refuses %o with a message naming %s', (env, name) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(name);
  });
});

describe('gate phone trust settings', () => {
  it('defaults to no public hosts and the CA companion on 18080, and reads both', () => {
    expect(loadConfig({ JWT_SECRET: SECRET })).toMatchObject({ publicHosts: [], caHttpPort: 18080 });
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        PUBLIC_HOSTS: ' gate.example.org, 203.0.113.7 ,fd00::7',
        PORTAL_CA_HTTP_PORT: '8080',
      }),
    ).toMatchObject({ publicHosts: ['gate.example.org', '203.0.113.7', 'fd00::7'], caHttpPort: 8080 });
  });

  it('turns the companion off with 0, and behind a TLS proxy (PORTAL_HTTP), where the portal has no CA of its own', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, PORTAL_CA_HTTP_PORT: '0' }).caHttpPort).toBe(0);
    expect(loadConfig({ JWT_SECRET: SECRET, PORTAL_HTTP: 'true' }).caHttpPort).toBe(0);
  });

  it.each([
    [{ PUBLIC_HOSTS: 'https://gate.example.org' }, 'PUBLIC_HOSTS'],
    [{ PUBLIC_HOSTS: 'gate.example.org:443' }, 'PUBLIC_HOSTS'],
    [{ PUBLIC_HOSTS: '*.example.org' }, 'PUBLIC_HOSTS'],
    [{ PORTAL_CA_HTTP_PORT: '70000' }, 'PORTAL_CA_HTTP_PORT'],
    [{ PORTAL_CA_HTTP_PORT: '9443', PORT: '9443' }, 'PORTAL_CA_HTTP_PORT must differ from PORT'],
  ])('refuses %o with a message naming %s', (env, name) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(name);
  });
});
