// The portal decides every bad token itself: 401 with the spec's message, and not one request reaches attendance.
import { describe, expect, it } from 'vitest';
import { claims, unauthorizedCases, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { call, SECRET, useStack } from '../support/stack.js';

const stack = useStack();

const checkin = { event_id: 'token-fest', ticket_id: 'T-1' };

describe('hostile tokens in the Authorization header', () => {
  it.each(unauthorizedCases(SECRET))(
    'answers POST /api/checkins with 401 for $name, attendance never asked',
    async ({ authorization, detail }) => {
      const before = stack.attendance.received.length;
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const answer = await call(stack.portal.url, 'POST', '/api/checkins', { headers, json: checkin });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ detail });
      expect(stack.attendance.received.slice(before)).toEqual([]);
    },
  );

  it.each(unauthorizedCases(SECRET))(
    'answers GET /api/attendance/{id} with 401 for $name, attendance never asked',
    async ({ authorization, detail }) => {
      const before = stack.attendance.received.length;
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const answer = await call(stack.portal.url, 'GET', '/api/attendance/token-fest', { headers });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ detail });
      expect(stack.attendance.received.slice(before)).toEqual([]);
    },
  );

  it('answers /api/auth/me with 401 for a token signed with another secret, identity never asked', async () => {
    const forged = validToken('another-secret-that-is-at-least-32-bytes-long', claims('admin1', 'admin'));
    const answer = await call(stack.portal.url, 'GET', '/api/auth/me', { token: forged });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Invalid token' });
  });

  it('answers an admin register carrying a forged header with 401 instead of passing it on', async () => {
    const forged = validToken('another-secret-that-is-at-least-32-bytes-long', claims('admin1', 'admin'));
    const answer = await call(stack.portal.url, 'POST', '/api/auth/register', {
      token: forged,
      json: { username: 'sneaky-admin', password: 'pass1234', role: 'admin' },
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Invalid token' });
  });

  it('forwards a valid token, and the same check-in reaches attendance exactly once', async () => {
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', { token: validToken(SECRET), json: checkin });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      event_id: 'token-fest',
      ticket_id: 'T-1',
      user_id: 'panitia1',
      status: 'success',
    });
    // One request reached attendance, and it recorded the check-in once, as the token's user.
    expect(stack.attendance.received.slice(before)).toHaveLength(1);
    const recorded = await call(stack.attendance.url, 'GET', '/attendance/token-fest', { token: validToken(SECRET) });
    expect(recorded.status).toBe(200);
    expect((recorded.body as { records: unknown[] }).records).toEqual([
      expect.objectContaining({ event_id: 'token-fest', ticket_id: 'T-1', checked_in_by: 'panitia1' }),
    ]);
  });
});

describe('hostile tokens in the session cookie', () => {
  const cases = unauthorizedCases(SECRET).filter(
    (c) =>
      c.authorization?.startsWith('Bearer ') &&
      c.detail !== "Invalid Authorization header format, expected 'Bearer <token>'",
  );

  it.each(cases)(
    'answers 401 for a cookie holding $name, clears the cookie, attendance never asked',
    async ({ authorization, detail }) => {
      const token = (authorization as string).slice('Bearer '.length).trim();
      const before = stack.attendance.received.length;
      const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
        headers: { cookie: `tixgo_session=${token}` },
        json: checkin,
      });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ detail });
      expect(answer.cookies).toEqual([expect.stringMatching(/^tixgo_session=;.*Expires=Thu, 01 Jan 1970/)]);
      expect(stack.attendance.received.slice(before)).toEqual([]);
    },
  );
});
