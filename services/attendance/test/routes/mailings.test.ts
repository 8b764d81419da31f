// Tickets sent to their holders by e-mail through a real SMTP server the test starts: in the background, with
// progress and each address's result; a refused address fails alone; admins only; off without SMTP_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/attendance-app.js';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server.js';

let smtp: SmtpTestServer;
let t: TestApp;

beforeAll(async () => {
  smtp = await startSmtpTestServer();
  t = await startTestApp('mailings', { SMTP_URL: smtp.url, MAIL_FROM: 'Panitia Wisuda <tiket@kampus.test>' });
  const created = await t.app.inject({
    method: 'POST',
    url: '/events',
    headers: t.admin(),
    payload: {
      id: 'mail-fest',
      title: 'Wisuda Mail',
      location: 'Sabuga',
      start_time: '2026-12-12T01:00:00Z',
      time_zone: 'Asia/Jakarta',
    },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const issued = await t.app.inject({
    method: 'POST',
    url: '/events/mail-fest/tickets',
    headers: t.admin(),
    payload: {
      tickets: [
        { ticket_id: 'ML-001', holder_name: 'Sari Wulandari', holder_email: 'sari@example.test' },
        { ticket_id: 'ML-002', holder_name: 'Budi Santoso', holder_email: 'budi@example.test' },
        { ticket_id: 'ML-003', holder_name: 'Tanpa Surel' },
        { ticket_id: 'ML-004', holder_name: 'Salah Alamat', holder_email: 'nobody@example.test' },
      ],
    },
  });
  if (issued.statusCode !== 201) throw new Error(issued.body);
});

afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** GET of the mailing until nothing waits (the sending is in the background). */
async function finished(mailingId: string) {
  for (;;) {
    const answer = await t.app.inject({ url: `/events/mail-fest/mailings/${mailingId}`, headers: t.admin() });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    if (body.finished_at !== null) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sending the tickets by e-mail', () => {
  it('sends each holder with an address their QR ticket, and says per address what became of it', async () => {
    smtp.refuse.add('nobody@example.test');
    const started = await t.app.inject({ method: 'POST', url: '/events/mail-fest/mailings', headers: t.admin() });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ event_id: 'mail-fest', requested_by: 'admin1', total: 3, failed: 0 });

    const done = await finished(started.json().mailing_id);
    expect(done).toMatchObject({ total: 3, sent: 2, failed: 1, waiting: 0 });
    expect(done.items).toEqual([
      expect.objectContaining({ ticket_id: 'ML-004', email: 'nobody@example.test', status: 'failed', sent_at: null }),
      expect.objectContaining({ ticket_id: 'ML-001', email: 'sari@example.test', status: 'sent', error: null }),
      expect.objectContaining({ ticket_id: 'ML-002', email: 'budi@example.test', status: 'sent', error: null }),
    ]);
    expect(done.items[0].error).toMatch(/550/);

    const sari = smtp.received.find((mail) => mail.to.includes('sari@example.test'));
    expect(sari?.from).toBe('tiket@kampus.test');
    expect(sari?.raw).toMatch(/^Subject: Tiket Anda: Wisuda Mail \(ML-001\)/m);
    expect(sari?.raw).toContain('Content-Type: image/png; name=tiket-ML-001.png');
    // The start in the event's own time zone, the place, the code (quoted-printable's soft line breaks undone).
    const text = sari?.raw.replace(/=\r?\n/g, '');
    expect(text).toContain('Waktu: 2026-12-12 08:00 (Asia/Jakarta)');
    expect(text).toContain('Tempat: Sabuga');
    expect(text).toContain('Kode tiket: ML-001');
    expect(smtp.received.some((mail) => mail.to.includes('nobody@example.test'))).toBe(false);

    const list = await t.app.inject({ url: '/events/mail-fest/mailings', headers: t.admin() });
    expect(list.json().mailings[0]).toMatchObject({ mailing_id: done.mailing_id, sent: 2, failed: 1 });
    expect(list.json().mailings[0].items).toBeUndefined();
  });

  it('sends only the named tickets again (the failed one, its address corrected)', async () => {
    smtp.refuse.clear();
    const before = smtp.received.length;
    const started = await t.app.inject({
      method: 'POST',
      url: '/events/mail-fest/mailings',
      headers: t.admin(),
      payload: { ticket_ids: ['ML-004'] },
    });
    expect(started.statusCode).toBe(202);
    const done = await finished(started.json().mailing_id);
    expect(done).toMatchObject({ total: 1, sent: 1, failed: 0 });
    expect(smtp.received.slice(before).map((mail) => mail.to)).toEqual([['nobody@example.test']]);
  });

  it('is for admins only, 404 for an unknown event or mailing, 422 when no ticket has an address', async () => {
    const committee = await t.app.inject({ method: 'POST', url: '/events/mail-fest/mailings', headers: t.committee() });
    expect(committee.statusCode).toBe(403);
    const unknown = await t.app.inject({ method: 'POST', url: '/events/nope/mailings', headers: t.admin() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Event not found' });
    const noMailing = await t.app.inject({
      url: '/events/mail-fest/mailings/00000000-0000-4000-8000-000000000000',
      headers: t.admin(),
    });
    expect(noMailing.statusCode).toBe(404);
    expect(noMailing.json()).toEqual({ detail: 'Mailing not found' });
    const nobody = await t.app.inject({
      method: 'POST',
      url: '/events/mail-fest/mailings',
      headers: t.admin(),
      payload: { ticket_ids: ['ML-003'] },
    });
    expect(nobody.statusCode).toBe(422);
    expect(nobody.json()).toEqual({ detail: 'No ticket of this event has an e-mail address to send to' });
  });
});

describe('without SMTP_URL', () => {
  let off: TestApp;
  beforeAll(async () => {
    off = await startTestApp('mailings-off');
    await off.createEvent('quiet-fest', ['Q-1']);
  });
  afterAll(async () => {
    await off?.close();
  });

  it('answers 503 saying e-mail is not set up', async () => {
    const answer = await off.app.inject({ method: 'POST', url: '/events/quiet-fest/mailings', headers: off.admin() });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ detail: 'E-mail is not set up on this server (SMTP_URL)' });
  });
});
