// Every 401 of the spec at a real identity route, with hand-made hostile tokens (spec: shared rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, unauthorizedCases, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { bearer, type IdentityHarness, JWT_SECRET, startIdentityApp } from '../support/identity-app.js';

let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentityApp();
  await identity.register({ username: 'panitia1', password: 'secret' });
});

afterAll(async () => {
  await identity?.close();
});

describe('GET /auth/me with a bad Authorization header', () => {
  it('accepts a well-formed token made outside the service (the control case)', async () => {
    const token = validToken(JWT_SECRET, claims('panitia1', 'committee', { uid: await identity.uidOf('panitia1') }));
    const response = await identity.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'panitia1', role: 'committee' });
  });

  it.each(unauthorizedCases(JWT_SECRET))('answers 401 to $name', async ({ authorization, detail }) => {
    const headers = authorization === undefined ? {} : { authorization };
    const response = await identity.app.inject({ url: '/auth/me', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail });
  });

  it('answers 401 "Invalid token" to a valid token of a user that does not exist', async () => {
    const response = await identity.app.inject({
      url: '/auth/me',
      headers: bearer(validToken(JWT_SECRET, claims('ghost', 'committee'))),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
  });
});

describe('admin routes with a bad Authorization header', () => {
  it.each(unauthorizedCases(JWT_SECRET))('GET /auth/users answers 401 to $name', async ({ authorization, detail }) => {
    const headers = authorization === undefined ? {} : { authorization };
    const response = await identity.app.inject({ url: '/auth/users', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail });
  });

  it('POST /auth/register with role admin answers 401 to an admin token signed with another secret', async () => {
    const forged = validToken('attacker-secret-of-at-least-32-bytes!!', claims('root-admin', 'admin'));
    const response = await identity.register({ username: 'usurper', password: 'pass1234', role: 'admin' }, forged);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
  });

  it('POST /auth/register with role admin answers 401 "Token expired" to an expired admin token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = validToken(JWT_SECRET, claims('root-admin', 'admin', { iat: now - 7200, exp: now - 10 }));
    const response = await identity.register({ username: 'latecomer', password: 'pass1234', role: 'admin' }, expired);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Token expired' });
  });
});
