// Key-less check-ins through a gateway that dies with the answer (issue 18, item 5): the retry,
// through another gateway with a key of its own, is answered 201 as the first was, not 409.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uidFor } from '../../../../packages/platform/test/support/forge-token.js';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

const GATEWAY = '10.8.8.1';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('gateway_keys', { TRUST_PROXY: `${GATEWAY},10.8.8.2` });
  await t.createEvent('gk-event', ['GK-1', 'GK-2', 'GK-3']);
});
afterAll(async () => {
  await t.close();
});

/** One key-less scan as a portal sends it: a key of the gateway's own making (gw:…). */
async function scanThrough(gateway: string, ticket: string, user = 'gate-k', key = `gw:${randomUUID()}`) {
  const answer = await t.app.inject({
    method: 'POST',
    url: '/checkins/batch',
    remoteAddress: gateway,
    payload: { checkins: [{ token: t.token(user), idempotency_key: key, event_id: 'gk-event', ticket_id: ticket }] },
  });
  expect(answer.statusCode).toBe(200);
  return { key, result: answer.json().results[0] as { status: number; body: { record?: { checkin_id: string } } } };
}

const delivered = (from: string, keys: { owner: string; key: string }[]) =>
  t.app.inject({ method: 'POST', url: '/checkins/delivered', remoteAddress: from, payload: { keys } });

describe('a key the gateway made, not yet marked delivered', () => {
  it('answers the same account’s key-less retry through another gateway 201 with the first record, once', async () => {
    const first = await scanThrough(GATEWAY, 'GK-1');
    expect(first.result.status).toBe(201);
    // The first portal died before its caller had the answer: the caller retries through another.
    const retry = await scanThrough('10.8.8.2', 'GK-1');
    expect(retry.result.status).toBe(201);
    expect(retry.result.body.record?.checkin_id).toBe(first.result.body.record?.checkin_id);
    // Once: a later scan of the ticket is the duplicate it is.
    const later = await scanThrough(GATEWAY, 'GK-1');
    expect(later.result.status).toBe(409);
  });

  it('is 409 for another account’s scan of the ticket, whatever is pending', async () => {
    expect((await scanThrough(GATEWAY, 'GK-2')).result.status).toBe(201);
    expect((await scanThrough(GATEWAY, 'GK-2', 'gate-other')).result.status).toBe(409);
  });
});

describe('POST /checkins/delivered', () => {
  it('ends the grace of a delivered answer: the next key-less scan of the ticket is 409', async () => {
    const first = await scanThrough(GATEWAY, 'GK-3');
    expect(first.result.status).toBe(201);
    const marked = await delivered(GATEWAY, [{ owner: uidFor('gate-k'), key: first.key }]);
    expect(marked.statusCode).toBe(204);
    expect((await scanThrough('10.8.8.2', 'GK-3')).result.status).toBe(409);
  });

  it('is only for gateways named in TRUST_PROXY (403), and only for gw: keys (422)', async () => {
    const refused = await delivered('192.0.2.50', [{ owner: uidFor('gate-k'), key: 'gw:x' }]);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: 'Only a gateway named in TRUST_PROXY may mark answers delivered' });
    const notOurs = await delivered(GATEWAY, [{ owner: uidFor('gate-k'), key: 'client-made-key' }]);
    expect(notOurs.statusCode).toBe(422);
  });
});
