// Changes announced to every replica through PostgreSQL (issue 18, item 2): after a write commits,
// the replica that made it NOTIFYs the events it touched; every replica LISTENs on one connection of
// its own and hands what it hears to the portals following GET /changes, which then ask for the
// stats of those events again instead of polling them every second.
//
// Announced by the application after the commit, not by triggers inside the transaction: a NOTIFY
// takes a database-wide lock from its transaction's commit until the commit is on disk, so every
// check-in statement announcing its own changes would commit one after another, never in a group.
// Here one short transaction per replica carries, every ANNOUNCE_DELAY_MS at most, all that
// replica's changes since the last one (PostgreSQL folds identical notifications of a transaction).
import type { FastifyRequest } from 'fastify';
import pg from 'pg';

export const CHANGES_CHANNEL = 'tixgo_changes';

/** What changed: these events, or anything (a write whose event is not known). */
export type Change = { events: string[] } | { all: true };

/** Changes gathered before one NOTIFY: the stats are read again at most once a second anyway. */
export const ANNOUNCE_DELAY_MS = 50;

/** A notification's payload must stay under 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7000;

interface FeedLog {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

/** The payloads announcing `events` (several when the ids do not fit one). */
export function payloadsOf(events: Iterable<string>): string[] {
  const payloads: string[] = [];
  let batch: string[] = [];
  let bytes = 20;
  for (const id of events) {
    const size = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (size + 20 > MAX_PAYLOAD_BYTES) return [JSON.stringify({ all: true })];
    if (bytes + size > MAX_PAYLOAD_BYTES) {
      payloads.push(JSON.stringify({ events: batch }));
      batch = [];
      bytes = 20;
    }
    batch.push(id);
    bytes += size;
  }
  if (batch.length > 0) payloads.push(JSON.stringify({ events: batch }));
  return payloads;
}

/** A payload as it was announced; undefined for one that is not ours. */
export function changeOf(payload: string | undefined): Change | undefined {
  try {
    const parsed = JSON.parse(payload ?? '') as { events?: unknown; all?: unknown };
    if (parsed.all === true) return { all: true };
    if (Array.isArray(parsed.events) && parsed.events.every((id) => typeof id === 'string')) {
      return { events: parsed.events as string[] };
    }
  } catch {
    // not JSON: someone else's NOTIFY on our channel
  }
  return undefined;
}

/** Gathers this replica's committed changes and NOTIFYs them, ANNOUNCE_DELAY_MS after the first. */
export class ChangeAnnouncer {
  private events = new Set<string>();
  private all = false;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly db: pg.Pool,
    private readonly log: FeedLog,
    private readonly delayMs = ANNOUNCE_DELAY_MS,
  ) {}

  /** A write that changed `events` (or, with 'all', anything) committed. */
  announce(events: string[] | 'all'): void {
    if (events === 'all') this.all = true;
    else for (const id of events) this.events.add(id);
    if (this.timer === undefined && this.sending === undefined) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.send().finally(() => {
        this.sending = undefined;
        if (this.all || this.events.size > 0) this.schedule();
      });
    }, this.delayMs);
    this.timer.unref();
  }

  private async send(): Promise<void> {
    const payloads = this.all ? [JSON.stringify({ all: true })] : payloadsOf(this.events);
    this.all = false;
    this.events = new Set();
    if (payloads.length === 0) return;
    try {
      await this.db.query({
        name: 'changes-notify',
        text: 'SELECT pg_notify($1, p) FROM unnest($2::text[]) p',
        values: [CHANGES_CHANNEL, payloads],
      });
    } catch (error) {
      // The portals' slow safety poll still picks the change up.
      this.log.warn({ err: error }, 'could not announce changes');
    }
  }

  /** Sends what is pending now (on shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    if (this.all || this.events.size > 0) await this.send();
  }
}

/** One follower of the changes (a portal's GET /changes). */
export interface ChangeFollower {
  send(change: Change): void;
  /** The feed lost its connection (a change may be missed): the follower must start over. */
  end(): void;
}

/** How often the listening connection is checked, and how long a lost one waits to reconnect at most. */
const CHECK_MS = 30_000;
const RECONNECT_MAX_MS = 10_000;

/**
 * LISTENs on a connection of its own (not the pool's: a pooled connection goes back to others) and
 * hands every change to the followers. A lost connection ends every follower (they may have missed
 * a change and ask again from scratch, from this replica or another) and is made again, waiting
 * longer each time up to RECONNECT_MAX_MS.
 */
export class ChangeListener {
  private readonly followers = new Set<ChangeFollower>();
  private client: pg.Client | undefined;
  private check: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly log: FeedLog,
  ) {}

  /** Whether a follower would hear every change from now on. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  get size(): number {
    return this.followers.size;
  }

  /** Connects (once; failures are retried in the background). */
  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...this.connection, keepAlive: true, application_name: 'tixgo-attendance-changes' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', ({ channel, payload }) => {
      if (channel !== CHANGES_CHANNEL) return;
      const change = changeOf(payload);
      if (change) for (const follower of this.followers) follower.send(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.lost(client, error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    if (this.failures > 0) this.log.info({}, 'listening for changes again');
    this.failures = 0;
    this.client = client;
    this.check = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => this.lost(client, error));
    }, CHECK_MS);
    this.check.unref();
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== undefined && this.client !== client) return;
    if (this.retry !== undefined) return;
    this.client = undefined;
    clearInterval(this.check);
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.endFollowers();
    if (this.closed) return;
    this.failures++;
    if (this.failures === 1) this.log.warn({ err: error }, 'lost the connection that listens for changes');
    const delay = Math.min(RECONNECT_MAX_MS, 250 * 2 ** Math.min(this.failures - 1, 6));
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, delay);
    this.retry.unref();
  }

  /** Adds a follower; the returned function removes it. */
  follow(follower: ChangeFollower): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  private endFollowers(): void {
    const ended = [...this.followers];
    this.followers.clear();
    for (const follower of ended) follower.end();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.check);
    this.endFollowers();
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Answers that mean nothing was written: refused before any work. */
const NOTHING_WRITTEN = new Set([400, 401, 403, 404, 405, 413, 415, 429]);
/** Writes that change no stats (bookkeeping of the gateways). */
const CHANGES_NOTHING = new Set(['/checkins/delivered']);

/**
 * The events a finished request may have changed: none for a read or a refused write; the event of
 * its path (/events/{id}/…) or its body (event_id, or each of a batch's items'); else 'all'.
 */
export function changedBy(request: FastifyRequest, status: number): string[] | 'all' | undefined {
  if (READ_METHODS.has(request.method) || NOTHING_WRITTEN.has(status) || status >= 500) return undefined;
  if (CHANGES_NOTHING.has(request.routeOptions.url ?? '')) return undefined;
  const params = request.params as { id?: unknown } | undefined;
  if (typeof params?.id === 'string') return [params.id];
  const body = request.body as { event_id?: unknown; checkins?: unknown } | undefined;
  if (typeof body?.event_id === 'string') return [body.event_id];
  if (Array.isArray(body?.checkins)) {
    const events = new Set<string>();
    for (const item of body.checkins as { event_id?: unknown }[]) {
      if (typeof item?.event_id !== 'string') return 'all';
      events.add(item.event_id);
    }
    return [...events];
  }
  return 'all';
}
