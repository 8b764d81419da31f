// Issue 18, item 2, in Chromium: a dashboard or event page whose portal dies says it is reconnecting
// while its stream is retried, and drops the notice once a portal (here one started again on the same
// port, as a balancer's other portal would be) sends data again, with the numbers of the check-ins
// made meanwhile. In Indonesian (the dashboard) and English (the event page). A stream that falls
// silent without closing (a portal frozen, a machine gone) is noticed by its missing pings.

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  hasChromium,
  openPage,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';

const EVENT = { id: 'recon-fest', title: 'Reconnect Fest' };
/**
 * The portal's heartbeat here: the page takes 3 missed pings (6 s) for a dead stream. Not shorter: on a
 * busy machine (the suite beside `pnpm bench checkins`) pings 0.3 s apart came late, the page took its
 * live stream for dead again and again, and its numbers never arrived.
 */
const PING_MS = 2_000;

/**
 * A TCP proxy to the portal that can go silent: `silence()` stops passing the portal's bytes on every
 * open connection (they stay open: nothing tells the browser) and holds new connections until
 * `release()`. A request sent on a silenced connection closes it (a browser then retries it afresh).
 */
async function startSilencingProxy(targetPort: number) {
  const pairs = new Set<{ client: Socket; target: Socket; silenced: boolean }>();
  let holding = false;
  let chunks = 0;
  const held: (() => void)[] = [];
  const server = createServer((client) => {
    client.pause();
    const start = () => {
      const target = connect(targetPort, '127.0.0.1');
      const pair = { client, target, silenced: false };
      pairs.add(pair);
      const end = () => {
        pairs.delete(pair);
        client.destroy();
        target.destroy();
      };
      for (const socket of [client, target]) {
        socket.on('error', end);
        socket.on('close', end);
      }
      target.on('data', (chunk: Buffer) => {
        if (pair.silenced) return;
        // TLS hides the events; once the page is live and quiet, what it is sent is its stream's pings.
        chunks++;
        client.write(chunk);
      });
      client.on('data', (chunk) => {
        if (pair.silenced) end();
        else target.write(chunk);
      });
      client.resume();
    };
    client.on('error', () => client.destroy());
    if (holding) held.push(start);
    else start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Chunks passed from the portal so far. */
    passed: () => chunks,
    silence() {
      holding = true;
      for (const pair of pairs) pair.silenced = true;
    },
    release() {
      holding = false;
      for (const start of held.splice(0)) start();
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.target.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
const TICKETS = Array.from({ length: 10 }, (_, index) => ({ ticket_id: `RC-${index + 1}` }));

describe.runIf(hasChromium)('live pages whose portal dies (Chromium)', () => {
  // Attendance trusts the portal (its changes are followed, as in compose).
  const stack = useUiStack({
    attendanceEnv: () => ({ TRUST_PROXY: '127.0.0.1' }),
    portalEnv: { LIVE_HEARTBEAT_MS: String(PING_MS) },
  });
  let admin: string;
  let gate: string;

  /** A check-in straight at attendance: the portal may be down. */
  async function checkIn(ticketId: string): Promise<void> {
    const answer = await call(stack.attendance.url, 'POST', '/checkins', {
      token: gate,
      json: { event_id: EVENT.id, ticket_id: ticketId, location: 'Gerbang A' },
    });
    expect(answer.status).toBe(201);
  }

  beforeAll(async () => {
    [admin, gate] = await Promise.all([login(stack.identity.url, 'admin1'), login(stack.identity.url, 'panitia1')]);
    const created = await call(stack.portal.url, 'POST', '/api/events', {
      token: admin,
      json: EVENT,
      dispatcher: portalClient,
    });
    expect(created.status).toBe(201);
    const issued = await call(stack.portal.url, 'POST', `/api/events/${EVENT.id}/tickets`, {
      token: admin,
      json: { tickets: TICKETS },
      dispatcher: portalClient,
    });
    expect(issued.status).toBe(201);
  });

  const card = (page: Page) => page.getByRole('listitem').filter({ hasText: EVENT.title });

  it('dashboard: “Menyambung ulang…” while the portal is away, gone with the new count once one is back', async () => {
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'panitia1');
    await card(page).getByText('0 dari 10 sudah check-in').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const notice = page.getByRole('alert').filter({ hasText: 'Menyambung ulang…' });
    expect(await notice.count()).toBe(0);
    await stack.restartPortal(async () => {
      await notice.waitFor();
      expect(await notice.innerText()).toBe('Koneksi pembaruan langsung terputus. Menyambung ulang…');
      await checkIn('RC-1');
    });
    // The page reconnected by itself (no reload): the count made while it was away, and no notice.
    await card(page).getByText('1 dari 10 sudah check-in').waitFor({ timeout: 30_000 });
    await notice.waitFor({ state: 'detached' });
    await page.getByText('Live', { exact: true }).waitFor();
    // And it is live again: a check-in now shows too.
    await checkIn('RC-2');
    await card(page).getByText('2 dari 10 sudah check-in').waitFor({ timeout: 20_000 });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('event page: “Reconnecting…” in English while the portal is away, then the new numbers', async () => {
    const { page, context } = await openPage(stack, { viewport: { width: 360, height: 740 } });
    await signIn(page, stack.portal.url, 'panitia1');
    await toEnglish(page);
    await page.goto(`${stack.portal.url}/events/${EVENT.id}`);
    await page.getByRole('heading', { name: EVENT.title }).waitFor();
    const checkedIn = page.getByTestId('stat-checked-in');
    await page.waitForFunction(() => document.querySelector('[data-testid="stat-checked-in"]')?.textContent === '2');
    const notice = page.getByRole('alert').filter({ hasText: 'Reconnecting…' });
    await stack.restartPortal(async () => {
      await notice.waitFor();
      expect(await notice.innerText()).toBe('Lost the connection for live updates. Reconnecting…');
      await checkIn('RC-3');
    });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="stat-checked-in"]')?.textContent === '3',
      undefined,
      { timeout: 30_000 },
    );
    await notice.waitFor({ state: 'detached' });
    expect(await checkedIn.textContent()).toBe('3');
    await context.close();
  });

  it('dashboard: a stream gone silent without closing is noticed by its missing pings, and reopened', async () => {
    const proxy = await startSilencingProxy(stack.portal.port);
    const { page, context, problems } = await openPage(stack);
    try {
      await signIn(page, proxy.url, 'panitia1');
      await card(page).getByText('3 dari 10 sudah check-in').waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      const notice = page.getByRole('alert').filter({ hasText: 'Menyambung ulang…' });
      expect(await notice.count()).toBe(0);
      // A few pings through (the page learns their period from the first): the page is quiet but for them.
      const before = proxy.passed();
      while (proxy.passed() < before + 3) await new Promise((resolve) => setTimeout(resolve, 50));
      // The portal's bytes stop; no connection closes, so no error reaches the page.
      proxy.silence();
      await notice.waitFor();
      await checkIn('RC-4');
      proxy.release();
      await card(page).getByText('4 dari 10 sudah check-in').waitFor({ timeout: 30_000 });
      await notice.waitFor({ state: 'detached' });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await proxy.close();
    }
  });
});

reportSkippedWithoutChromium();
