// Body limits decided before the body is read (issue 15, items 1 and 7): the large import is an admin's CSV only, everything else small.
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../packages/platform/test/support/forge-token.js';
import { AUTH_BODY_LIMIT_BYTES, DEFAULT_BODY_LIMIT_BYTES } from '../src/body-allowance.js';
import {
  type AttendanceService,
  call,
  type RunningService,
  SECRET,
  startAttendance,
  startPortal,
} from './support/stack.js';
import { refusingUrl } from './support/tcp-faults.js';

let attendance: AttendanceService;
let portal: RunningService;

beforeAll(async () => {
  attendance = await startAttendance();
  portal = await startPortal({ identityUrl: await refusingUrl(), attendanceUrl: attendance.url });
});
afterAll(async () => {
  await portal?.close();
  await attendance?.close();
});

const committee = () => validToken(SECRET, claims('panitia1', 'committee'));
const admin = () => validToken(SECRET, claims('admin1', 'admin'));
const TOO_LARGE = { detail: 'Request body is too large' };

/** `{"tickets":[{},{},…]}` of about `bytes` bytes: the shape that grew the portal by 500 MB. */
const manyTickets = (bytes: number) =>
  `{"tickets":[${Array(Math.ceil(bytes / 3))
    .fill('{}')
    .join(',')}]}`;

/** Sends only the request head over raw TCP and resolves with the first answer the portal writes. */
function headOnly(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n') && text.includes('}')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('body allowance', () => {
  it("refuses a committee token's 16 MiB ticket body with 413 before reading any of it", async () => {
    const answer = await headOnly(
      portal.port,
      'POST /api/events/x/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${committee()}\r\nContent-Length: ${16 * 1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(JSON.stringify(TOO_LARGE));
  });

  it("cuts off a committee token's chunked JSON ticket list past the small limit with 413", async () => {
    // A stream body has no Content-Length: undici sends it chunked.
    const body = manyTickets(DEFAULT_BODY_LIMIT_BYTES * 3);
    const answer = await request(`${portal.url}/api/events/x/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${committee()}` },
      body: Readable.from([body.slice(0, 1000), body.slice(1000)]),
    });
    expect(answer.statusCode).toBe(413);
    expect(await answer.body.json()).toEqual(TOO_LARGE);
  });

  it('refuses a committee CSV above the small limit with 413; the import size is an admin CSV only', async () => {
    const csv = `ticket_id\n${'A'.repeat(DEFAULT_BODY_LIMIT_BYTES + 10)}\n`;
    const answer = await call(portal.url, 'POST', '/api/events/x/tickets', {
      token: committee(),
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual(TOO_LARGE);
  });

  it("refuses an admin's JSON ticket list over the spec's 1 MiB with 413 (the import size is for CSV)", async () => {
    const answer = await call(portal.url, 'POST', '/api/events/x/tickets', {
      token: admin(),
      headers: { 'content-type': 'application/json' },
      body: manyTickets(2 * 1024 * 1024),
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual(TOO_LARGE);
  });

  it("streams an admin's 2 MiB CSV on to attendance, which decides on it", async () => {
    const event = await call(portal.url, 'POST', '/api/events', {
      token: admin(),
      json: { id: 'allowance-ev', title: 'Allowance' },
    });
    expect(event.status).toBe(201);
    // 2 MiB of one header line: attendance refuses it as a CSV, proving the portal let it through.
    const answer = await call(portal.url, 'POST', '/api/events/allowance-ev/tickets', {
      token: admin(),
      headers: { 'content-type': 'text/csv' },
      body: `${'h'.repeat(2 * 1024 * 1024)}\n`,
    });
    expect(answer.status).not.toBe(413);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ detail: expect.anything() });
  });

  it('keeps sign-in and session bodies small (16 KiB): 413 before identity is asked', async () => {
    const big = { username: 'u'.repeat(AUTH_BODY_LIMIT_BYTES), password: 'secret' };
    for (const path of ['/api/session', '/api/auth/login', '/api/session/refresh', '/api/auth/refresh']) {
      const answer = await call(portal.url, 'POST', path, { json: big });
      expect(answer.status, path).toBe(413);
      expect(answer.body, path).toEqual(TOO_LARGE);
    }
  });

  it('keeps other routes at 64 KiB: an event body of 100 KiB is 413', async () => {
    const answer = await call(portal.url, 'POST', '/api/events', {
      token: admin(),
      json: { id: 'big-ev', title: 'Big', description: 'd'.repeat(100 * 1024) },
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual(TOO_LARGE);
  });

  it("takes an offline station's batch up to the spec's 1 MiB (200 scans)", async () => {
    const checkins = Array.from({ length: 200 }, (_, index) => ({
      event_id: 'allowance-ev',
      ticket_id: `B-${index}`.padEnd(100, 'x'),
      idempotency_key: `k-${index}`.padEnd(100, 'k'),
      location: 'Gate'.padEnd(100, 'g'),
    }));
    const answer = await call(portal.url, 'POST', '/api/checkins/batch', { token: committee(), json: { checkins } });
    expect(JSON.stringify({ checkins }).length).toBeGreaterThan(DEFAULT_BODY_LIMIT_BYTES);
    expect(answer.status).not.toBe(413);
    expect(answer.status).toBe(200);
  });
});
