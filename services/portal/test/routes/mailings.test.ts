// The e-mailed tickets' /api twins against real identity, attendance (sending through a real SMTP server the test
// starts) and portal servers: an admin starts a mailing and follows it to each address's result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpTestServer, startSmtpTestServer } from '../../../attendance/test/support/smtp-test-server.js';
import {
  type AttendanceService,
  call,
  login,
  type RunningPortal,
  type RunningService,
  startAttendance,
  startIdentity,
  startPortal,
} from '../support/stack.js';

let smtp: SmtpTestServer;
let identity: RunningService;
let attendance: AttendanceService;
let portal: RunningPortal;
let admin: string;
let committee: string;

beforeAll(async () => {
  smtp = await startSmtpTestServer();
  [identity, attendance] = await Promise.all([startIdentity(), startAttendance({ SMTP_URL: smtp.url })]);
  portal = await startPortal({ identityUrl: identity.url, attendanceUrl: attendance.url });
  [admin, committee] = await Promise.all([login(identity.url, 'admin1'), login(identity.url, 'panitia1')]);
  expect(
    (await call(portal.url, 'POST', '/api/events', { token: admin, json: { id: 'pm-fest', title: 'Portal Mail' } }))
      .status,
  ).toBe(201);
  const issued = await call(portal.url, 'POST', '/api/events/pm-fest/tickets', {
    token: admin,
    json: {
      tickets: [
        { ticket_id: 'PM-1', holder_name: 'Rina', holder_email: 'rina@example.test' },
        { ticket_id: 'PM-2', holder_name: 'Dodi', holder_email: 'dodi@example.test' },
      ],
    },
  });
  expect(issued.status).toBe(201);
});

afterAll(async () => {
  await portal?.close();
  await Promise.all([identity?.close(), attendance?.close()]);
  await smtp?.close();
});

describe('POST/GET /api/events/{id}/mailings', () => {
  it('starts a mailing (202) and answers its progress until every address has its result', async () => {
    const started = await call(portal.url, 'POST', '/api/events/pm-fest/mailings', { token: admin, json: {} });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ event_id: 'pm-fest', requested_by: 'admin1', total: 2 });
    const id = (started.body as { mailing_id: string }).mailing_id;
    let mailing: { finished_at: string | null; items: { ticket_id: string; status: string }[] };
    for (;;) {
      const answer = await call(portal.url, 'GET', `/api/events/pm-fest/mailings/${id}`, { token: admin });
      expect(answer.status).toBe(200);
      mailing = answer.body as typeof mailing;
      if (mailing.finished_at !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(mailing).toMatchObject({ total: 2, sent: 2, failed: 0, waiting: 0 });
    expect(mailing.items.map((item) => [item.ticket_id, item.status])).toEqual([
      ['PM-1', 'sent'],
      ['PM-2', 'sent'],
    ]);
    expect(smtp.received.map((mail) => mail.to[0]).sort()).toEqual(['dodi@example.test', 'rina@example.test']);
    const list = await call(portal.url, 'GET', '/api/events/pm-fest/mailings', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ event_id: 'pm-fest', mailings: [{ mailing_id: id, sent: 2 }] });
  });

  it('is for admins only and validates the request here', async () => {
    const refused = await call(portal.url, 'POST', '/api/events/pm-fest/mailings', { token: committee, json: {} });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ detail: 'Admin only' });
    const bad = await call(portal.url, 'POST', '/api/events/pm-fest/mailings', {
      token: admin,
      json: { ticket_ids: [] },
    });
    expect(bad.status).toBe(422);
    const notUuid = await call(portal.url, 'GET', '/api/events/pm-fest/mailings/abc', { token: admin });
    expect(notUuid.status).toBe(422);
  });
});
