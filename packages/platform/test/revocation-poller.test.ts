// The revocation list every service holds, and its poller of identity's feed: ETag polls, outages keep the last list, one warning per outage.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RevocationList, startRevocationPolling } from '../src/index.js';

const UID = '0b9d5c2e-1f4a-4c3b-8d6e-7a5b4c3d2e1f';
const SID = '9f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a';

describe('RevocationList', () => {
  it('revokes by session, by deleted account and by token version below the minimum', () => {
    const list = new RevocationList(10_000);
    const other = 'c1c2c3c4-d5d6-4e7e-8f9f-a0a1a2a3a4a5';
    list.replace([{ sid: SID }, { uid: UID, min_ver: 2 }, { uid: other, deleted: true }]);
    expect(list.isRevoked({ uid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', sid: SID, ver: 9 })).toBe(true);
    expect(list.isRevoked({ uid: UID, sid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', ver: 1 })).toBe(true);
    expect(list.isRevoked({ uid: UID, sid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', ver: 2 })).toBe(false);
    expect(list.isRevoked({ uid: other, sid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', ver: 50 })).toBe(true);
    expect(list.size).toBe(3);
  });

  it('keeps the highest minimum version of an account when entries repeat', () => {
    const list = new RevocationList(10_000);
    list.replace([
      { uid: UID, min_ver: 4 },
      { uid: UID, min_ver: 2 },
    ]);
    list.add({ uid: UID, min_ver: 3 });
    expect(list.isRevoked({ uid: UID, sid: SID, ver: 3 })).toBe(true);
    expect(list.isRevoked({ uid: UID, sid: SID, ver: 4 })).toBe(false);
  });

  it('reports unavailable before its first load, then current, then stale with its age', () => {
    const list = new RevocationList(10_000);
    expect(list.status()).toEqual({ state: 'unavailable', age_seconds: null });
    list.replace([]);
    const loadedAt = Date.now();
    expect(list.status(loadedAt + 3_000)).toEqual({ state: 'current', age_seconds: 3 });
    expect(list.status(loadedAt + 35_000)).toEqual({ state: 'stale', age_seconds: 35 });
  });
});

interface FeedServer {
  url: string;
  requests: { ifNoneMatch: string | undefined }[];
  setEntries(entries: object[]): void;
  close(): Promise<void>;
}

/** A stand-in for identity's GET /auth/revocations with an ETag, as identity answers it. */
async function startFeedServer(port = 0, firstVersion = 1): Promise<FeedServer> {
  let body = JSON.stringify({ revocations: [] });
  let version = firstVersion;
  const requests: FeedServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const ifNoneMatch = request.headers['if-none-match'];
    requests.push({ ifNoneMatch });
    const etag = `"v${version}"`;
    if (ifNoneMatch === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    setEntries(entries) {
      body = JSON.stringify({ revocations: entries });
      version++;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const waitFor = async (condition: () => boolean, what: string, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

function recordingLog() {
  const lines: { level: 'warn' | 'info'; msg: string | undefined }[] = [];
  return {
    lines,
    warn: (_obj: object, msg?: string) => lines.push({ level: 'warn', msg }),
    info: (_obj: object, msg?: string) => lines.push({ level: 'info', msg }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('startRevocationPolling', () => {
  it('loads the feed at once, then asks with its ETag and takes a 304 as "still current"', async () => {
    const feed = await startFeedServer();
    cleanups.push(() => feed.close());
    feed.setEntries([{ sid: SID }]);
    const list = new RevocationList(10_000);
    const poller = startRevocationPolling(list, {
      identityBaseUrls: [feed.url],
      intervalMs: 50,
      timeoutMs: 1000,
      log: recordingLog(),
    });
    cleanups.push(() => poller.stop());

    await waitFor(() => list.size === 1, 'the first load');
    expect(list.isRevoked({ uid: UID, sid: SID, ver: 0 })).toBe(true);
    await waitFor(() => feed.requests.length >= 3, 'later polls');
    expect(feed.requests[0]).toEqual({ ifNoneMatch: undefined });
    expect(feed.requests[2]).toEqual({ ifNoneMatch: '"v2"' });
    expect(list.status().state).toBe('current');

    feed.setEntries([{ uid: UID, deleted: true }]);
    await waitFor(() => list.isRevoked({ uid: UID, sid: '11111111-2222-4333-8444-555555555555', ver: 0 }), 'a change');
    expect(list.isRevoked({ uid: '11111111-2222-4333-8444-555555555555', sid: SID, ver: 0 })).toBe(false);
  });

  it('keeps the last list while identity is down, warns once per outage, and says so when it answers again', async () => {
    const feed = await startFeedServer();
    const port = Number(new URL(feed.url).port);
    feed.setEntries([{ sid: SID }]);
    const list = new RevocationList(200);
    const log = recordingLog();
    const poller = startRevocationPolling(list, { identityBaseUrls: [feed.url], intervalMs: 30, timeoutMs: 500, log });
    cleanups.push(() => poller.stop());
    await waitFor(() => list.size === 1, 'the first load');

    await feed.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(list.isRevoked({ uid: UID, sid: SID, ver: 0 })).toBe(true);
    expect(list.status().state).toBe('stale');
    expect(log.lines).toEqual([
      { level: 'warn', msg: 'revocation feed unavailable: keeping the last list until identity answers' },
    ]);

    // Another identity process: its ETags are its own.
    const back = await startFeedServer(port, 100);
    cleanups.push(() => back.close());
    back.setEntries([]);
    await waitFor(() => list.size === 0, 'the feed again');
    expect(list.status().state).toBe('current');
    expect(log.lines.map((line) => line.level)).toEqual(['warn', 'info']);
  });

  it('with several identity replicas, asks the next one when one is down and stays current without a warning', async () => {
    const first = await startFeedServer();
    const second = await startFeedServer();
    cleanups.push(() => second.close());
    first.setEntries([{ sid: SID }]);
    second.setEntries([{ sid: SID }]);
    const list = new RevocationList(200);
    const log = recordingLog();
    const poller = startRevocationPolling(list, {
      identityBaseUrls: [first.url, second.url],
      intervalMs: 30,
      timeoutMs: 500,
      log,
    });
    cleanups.push(() => poller.stop());
    await waitFor(() => list.size === 1, 'the first load');
    expect(first.requests.length).toBeGreaterThan(0);

    await first.close();
    second.setEntries([]);
    await waitFor(() => list.size === 0, 'the list from the second replica');
    const polled = second.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.requests.length).toBeGreaterThan(polled);
    expect(list.status().state).toBe('current');
    expect(log.lines).toEqual([]);
  });

  it('starts with an empty, unavailable list when identity never answers, warning once', async () => {
    const list = new RevocationList(100);
    const log = recordingLog();
    // Port 9 (discard) has no listener here: every poll is refused at once.
    const poller = startRevocationPolling(list, {
      identityBaseUrls: ['http://127.0.0.1:9'],
      intervalMs: 20,
      timeoutMs: 200,
      log,
    });
    cleanups.push(() => poller.stop());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(list.status()).toEqual({ state: 'unavailable', age_seconds: null });
    expect(list.isRevoked({ uid: UID, sid: SID, ver: 0 })).toBe(false);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]?.level).toBe('warn');
  });
});
