// The identity service as a process ("done when" of the foundation issue): configured by environment only,
// on an embedded PostgreSQL or on DATABASE_URL; restarts after SIGTERM (exit 0) and SIGKILL keep every user;
// a refused configuration exits 1 naming the variable; logs never carry passwords or tokens.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIdentity,
  call,
  type IdentityProcess,
  killLeftovers,
  runIdentityToExit,
  startIdentityProcess,
} from './support/identity-process.js';

const JWT_SECRET = 'process-test-secret-with-more-than-32-bytes';
const dataDirs: string[] = [];

async function makeDataDir(): Promise<string> {
  // mkdtemp makes it 0700, as mktemp -d would for an operator: the service must cope.
  const dir = await mkdtemp(path.join(tmpdir(), 'tixgo-identity-process-'));
  dataDirs.push(dir);
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

async function expectServesContract(service: IdentityProcess): Promise<void> {
  expect(await call(service.baseUrl, 'GET', '/health')).toEqual({
    status: 200,
    body: { status: 'ok', service: 'identity-service' },
  });
  expect((await call(service.baseUrl, 'GET', '/ready')).status).toBe(200);
  expect(await call(service.baseUrl, 'GET', '/nope')).toEqual({ status: 404, body: { detail: 'Not Found' } });
}

async function expectCanLogIn(service: IdentityProcess, username: string, password: string): Promise<void> {
  const login = await call(service.baseUrl, 'POST', '/auth/login', { username, password });
  expect(login.status).toBe(200);
  const { access_token: token } = login.body as { access_token: string };
  expect(await call(service.baseUrl, 'GET', '/auth/me', undefined, token)).toEqual({
    status: 200,
    body: { username, role: 'committee' },
  });
}

beforeAll(async () => {
  await buildIdentity();
}, 120_000);

afterAll(async () => {
  await killLeftovers(dataDirs);
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

describe('with PORT, DATA_DIR and JWT_SECRET only (embedded PostgreSQL)', () => {
  it('serves the contract and keeps users across SIGTERM and SIGKILL restarts', async () => {
    const dataDir = await makeDataDir();
    const env = { PORT: '0', DATA_DIR: dataDir, JWT_SECRET };

    const first = await startIdentityProcess(env);
    await expectServesContract(first);
    // compat: the original's smoke test logs in as the demo users.
    expect(
      (await call(first.baseUrl, 'POST', '/auth/login', { username: 'panitia1', password: 'secret' })).status,
    ).toBe(200);
    expect(await call(first.baseUrl, 'POST', '/auth/register', { username: 'survivor', password: 'pass1234' })).toEqual(
      {
        status: 200,
        body: { username: 'survivor', role: 'committee' },
      },
    );
    const serverPid = await postmasterPid(dataDir);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(isAlive(serverPid)).toBe(false); // a clean stop takes its database down too

    const second = await startIdentityProcess(env);
    await expectCanLogIn(second, 'survivor', 'pass1234');
    expect(
      await call(second.baseUrl, 'POST', '/auth/register', { username: 'late-one', password: 'pass1234' }),
    ).toEqual({ status: 200, body: { username: 'late-one', role: 'committee' } });
    const orphanPid = await postmasterPid(dataDir);
    expect((await second.stop('SIGKILL')).signal).toBe('SIGKILL');
    expect(isAlive(orphanPid)).toBe(true); // the embedded server outlives a killed service

    const third = await startIdentityProcess(env);
    expect(await postmasterPid(dataDir)).toBe(orphanPid); // adopted, not replaced
    await expectServesContract(third);
    await expectCanLogIn(third, 'survivor', 'pass1234');
    await expectCanLogIn(third, 'late-one', 'pass1234');
    expect(await third.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(isAlive(orphanPid)).toBe(false);
  }, 180_000);
});

describe('with DATABASE_URL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('identity_process');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('serves the contract and keeps users across SIGTERM and SIGKILL restarts', async () => {
    const env = {
      PORT: '0',
      DATA_DIR: await makeDataDir(),
      JWT_SECRET,
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
    };
    const first = await startIdentityProcess(env);
    await expectServesContract(first);
    expect(await call(first.baseUrl, 'POST', '/auth/register', { username: 'survivor', password: 'pass1234' })).toEqual(
      {
        status: 200,
        body: { username: 'survivor', role: 'committee' },
      },
    );
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const second = await startIdentityProcess(env);
    await expectCanLogIn(second, 'survivor', 'pass1234');
    expect((await second.stop('SIGKILL')).signal).toBe('SIGKILL');

    const third = await startIdentityProcess(env);
    await expectServesContract(third);
    await expectCanLogIn(third, 'survivor', 'pass1234');
    expect(await third.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('finishes a login in flight when SIGTERM arrives, then exits 0', async () => {
    const service = await startIdentityProcess({
      PORT: '0',
      DATA_DIR: await makeDataDir(),
      JWT_SECRET,
      DATABASE_URL: database.url,
      BCRYPT_COST: '13', // slow on purpose: the hash is still running when the signal comes
      LOG_LEVEL: 'debug',
      SEED_DEMO_USERS: 'false',
    });
    // Hashed at cost 13 (the cost is part of the hash), so checking the password takes a while.
    const slowUser = { username: 'slow-hash', password: 'pass1234' };
    expect((await call(service.baseUrl, 'POST', '/auth/register', slowUser)).status).toBe(200);
    const pending = call(service.baseUrl, 'POST', '/auth/login', slowUser);
    while (!service.output().includes('"url":"/auth/login"')) await new Promise((resolve) => setTimeout(resolve, 5));
    const exit = service.stop('SIGTERM');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'bearer' });
    expect(await exit).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('never writes passwords, tokens or the Authorization header to its log, even at debug level', async () => {
    const password = 'Very-Secret-Pass-9137';
    const service = await startIdentityProcess({
      PORT: '0',
      DATA_DIR: await makeDataDir(),
      JWT_SECRET,
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'debug',
      ADMIN_USERNAME: 'log-admin',
      ADMIN_PASSWORD: 'Admin-Secret-Pass-2468',
    });
    const { baseUrl } = service;
    expect((await call(baseUrl, 'POST', '/auth/register', { username: 'logged', password })).status).toBe(200);
    const login = await call(baseUrl, 'POST', '/auth/login', { username: 'logged', password });
    const { access_token: accessToken, refresh_token: refreshToken } = login.body as Record<string, string>;
    expect((await call(baseUrl, 'GET', '/auth/me', undefined, accessToken)).status).toBe(200);
    const refreshed = await call(baseUrl, 'POST', '/auth/refresh', { refresh_token: refreshToken });
    const newRefresh = (refreshed.body as Record<string, string>).refresh_token as string;
    expect((await call(baseUrl, 'GET', '/auth/me', undefined, `${accessToken}x`)).status).toBe(401);
    expect((await call(baseUrl, 'POST', '/auth/login', { username: 'logged', password: `${password}!` })).status).toBe(
      401,
    );
    expect((await call(baseUrl, 'POST', '/auth/logout', { refresh_token: newRefresh })).status).toBe(200);
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const log = service.output();
    // The log is there and covers these requests (else the test would prove nothing).
    expect(log).toContain('"url":"/auth/me"');
    expect(log).toContain('"url":"/auth/refresh"');
    for (const secret of [password, 'Admin-Secret-Pass-2468', accessToken, refreshToken, newRefresh, JWT_SECRET]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toMatch(/bearer\s+ey/i);
    expect(log).not.toMatch(/authorization/i);
  }, 60_000);
});

describe('a refused configuration', () => {
  it('exits 1 naming JWT_SECRET when production gets a short secret, without echoing it', async () => {
    const result = await runIdentityToExit({
      NODE_ENV: 'production',
      PORT: '0',
      DATA_DIR: await makeDataDir(),
      JWT_SECRET: 'short-prod-secret',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('JWT_SECRET: must be at least 32 bytes in production');
    expect(result.output).not.toContain('short-prod-secret');
  });

  it('exits 1 naming JWT_SECRET when production has none', async () => {
    const result = await runIdentityToExit({ NODE_ENV: 'production', PORT: '0', DATA_DIR: await makeDataDir() });
    expect(result.code).toBe(1);
    expect(result.output).toContain('JWT_SECRET: required in production');
  });

  it('exits 1 naming the bad variable', async () => {
    const result = await runIdentityToExit({
      PORT: 'abc',
      JWT_SECRET,
      BCRYPT_COST: '99',
      DATA_DIR: await makeDataDir(),
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^identity: Invalid configuration:\n {2}PORT: .*\n {2}BCRYPT_COST: /m);
  });

  it('exits 1 with a clear message when DATABASE_URL points nowhere', async () => {
    const result = await runIdentityToExit({
      PORT: '0',
      JWT_SECRET,
      DATA_DIR: await makeDataDir(),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('could not start');
    expect(result.output).toContain('ECONNREFUSED');
  });
});
