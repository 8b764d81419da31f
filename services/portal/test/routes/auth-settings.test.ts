// GET /api/auth/settings: identity's public settings through the portal (the sign-in page offers registration only where it is open),
// one upstream read kept for a while, never a failure kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedRead } from '../../src/upstream/cached-read.js';
import type { UpstreamResponse } from '../../src/upstream/upstream-client.js';
import { call, type RunningService, startIdentity, startPortal } from '../support/stack.js';
import { refusingUrl } from '../support/tcp-faults.js';

let open: RunningService;
let closed: RunningService;
const portals: RunningService[] = [];

beforeAll(async () => {
  [open, closed] = await Promise.all([startIdentity(), startIdentity({ OPEN_REGISTRATION: 'false' })]);
});

afterAll(async () => {
  await Promise.all(portals.map((portal) => portal.close()));
  await Promise.all([open?.close(), closed?.close()]);
});

async function portalFor(identityUrl: string): Promise<RunningService> {
  const portal = await startPortal({ identityUrl, attendanceUrl: 'http://127.0.0.1:9' });
  portals.push(portal);
  return portal;
}

describe('GET /api/auth/settings', () => {
  it("answers identity's settings to anyone: registration open", async () => {
    const answer = await call((await portalFor(open.url)).url, 'GET', '/api/auth/settings');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ registration_open: true });
  });

  it('answers registration closed where identity has OPEN_REGISTRATION=false', async () => {
    const answer = await call((await portalFor(closed.url)).url, 'GET', '/api/auth/settings');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ registration_open: false });
  });

  it('answers 502 while identity cannot be reached', async () => {
    const answer = await call((await portalFor(await refusingUrl())).url, 'GET', '/api/auth/settings');
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual({ detail: 'Identity service unavailable' });
  });
});

describe('CachedRead', () => {
  const answer = (status: number, body: string): UpstreamResponse => ({
    status,
    body,
    contentType: 'application/json',
    retryAfter: undefined,
  });

  it('reads once for every caller within its time, again after it, and never keeps a failure', async () => {
    let now = 0;
    const answers = [answer(502, 'down'), answer(200, 'first'), answer(200, 'second')];
    let reads = 0;
    const cached = new CachedRead(async () => answers[reads++] as UpstreamResponse, { ttlMs: 30_000, now: () => now });

    expect((await cached.get()).status).toBe(502);
    // Callers arriving together share one read.
    const together = await Promise.all([cached.get(), cached.get(), cached.get()]);
    expect(together.map((a) => a.body)).toEqual(['first', 'first', 'first']);
    expect(reads).toBe(2);
    now = 29_999;
    expect((await cached.get()).body).toBe('first');
    expect(reads).toBe(2);
    now = 30_000;
    expect((await cached.get()).body).toBe('second');
    expect(reads).toBe(3);
  });
});
