// The full attendance list of an event as ready-to-send JSON (and NDJSON), kept fresh incrementally (spec: attendance).
//
// Reading 10k check-ins through node-postgres costs 40-90 ms on the target box, so repeated
// reads of the full list must not re-read them. Check-ins are append-only: every request reads
// the event's count and the rows after the last cached position in one statement (one
// snapshot). When cached rows + new rows = count, the new rows are appended to the cached
// JSON; anything else (a check-in that committed late with a lower position, or a deleted
// event) rebuilds the list. Refreshes are single-flight per event, and a request never gets a
// list older than the moment it arrived. Cached bytes are capped (least recently used go first).
// Only lists of up to `maxRecords` check-ins are built here: a longer one is never read into
// memory (fullList answers undefined, and the route streams it from a cursor instead).
import { toPortalAttendanceCheckin } from '@tixgo/contracts';
import type pg from 'pg';
import { type CheckinRow, countCheckins, readCheckinSlice, toRecord } from './checkins-repository.js';

/**
 * Longest list kept (and built) in memory: a few MB of JSON, what the full-list benchmark reads
 * (10,000) with room to spare; longer lists stream.
 */
export const CACHED_LIST_MAX_RECORDS = 25_000;

interface CachedList {
  /** Number of records in `body`. */
  count: number;
  /** Position (seq) of the last record. */
  lastSeq: string;
  /** Length of the head `{"event_id":…,"total_checked_in":N,"records":[`. */
  headLength: number;
  body: Buffer;
  /**
   * The records in the portal's shape as NDJSON lines (each ends with \n): the NDJSON form with
   * view=portal without its head line, the one the portal streams through to every browser.
   */
  lines: Buffer;
}

const TAIL = Buffer.from(']}');

function head(eventId: string, total: number): Buffer {
  return Buffer.from(`{"event_id":${JSON.stringify(eventId)},"total_checked_in":${total},"records":[`);
}

/**
 * `rows` as JSON records, comma-separated (no brackets, as inside JSON.stringify of the array), and
 * in the portal's shape as NDJSON lines.
 */
function recordsJson(rows: CheckinRow[]): { json: string; lines: string } {
  const records = rows.map(toRecord);
  const portal = records.map((record) => JSON.stringify(toPortalAttendanceCheckin(record)));
  return {
    json: records.map((record) => JSON.stringify(record)).join(','),
    lines: portal.length === 0 ? '' : `${portal.join('\n')}\n`,
  };
}

function build(eventId: string, rows: CheckinRow[]): CachedList {
  const first = head(eventId, rows.length);
  const records = recordsJson(rows);
  const body = Buffer.concat([first, Buffer.from(records.json), TAIL]);
  const lines = Buffer.from(records.lines);
  return { count: rows.length, lastSeq: rows.at(-1)?.seq ?? '0', headLength: first.length, body, lines };
}

function append(eventId: string, cached: CachedList, rows: CheckinRow[]): CachedList {
  const count = cached.count + rows.length;
  const first = head(eventId, count);
  const records = cached.body.subarray(cached.headLength, cached.body.length - TAIL.length);
  const more = recordsJson(rows);
  const body = Buffer.concat([first, records, Buffer.from((cached.count > 0 ? ',' : '') + more.json), TAIL]);
  const lines = Buffer.concat([cached.lines, Buffer.from(more.lines)]);
  return { count, lastSeq: rows.at(-1)?.seq ?? cached.lastSeq, headLength: first.length, body, lines };
}

const sizeOf = (list: CachedList) => list.body.length + list.lines.length;

/**
 * Runs one refresh at a time per key. A caller arriving while a refresh runs waits for the
 * next one (shared by everyone who arrived meanwhile), which starts after the current one:
 * the running refresh may have taken its snapshot before the caller's own check-in committed.
 */
class SingleFlight<T> {
  private running = new Map<string, Promise<T>>();
  private queued = new Map<string, Promise<T>>();

  run(key: string, task: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (!current) {
      const started = task().finally(() => this.running.delete(key));
      this.running.set(key, started);
      return started;
    }
    const waiting = this.queued.get(key);
    if (waiting) return waiting;
    const next = current
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(key);
        return this.run(key, task);
      });
    this.queued.set(key, next);
    return next;
  }
}

export class AttendanceListCache {
  private lists = new Map<string, CachedList>();
  private bytes = 0;
  private flights = new SingleFlight<CachedList | undefined>();

  constructor(
    private readonly db: pg.Pool,
    private readonly maxBytes: number,
    private readonly maxRecords = CACHED_LIST_MAX_RECORDS,
  ) {}

  /**
   * The JSON body `{"event_id","total_checked_in","records":[…]}` with every check-in, oldest
   * first; undefined when the event has more than maxRecords check-ins (stream those).
   */
  async fullList(eventId: string): Promise<Buffer | undefined> {
    return (await this.flights.run(eventId, () => this.refresh(eventId)))?.body;
  }

  /**
   * The same list in its NDJSON form with the portal's view of each record, as the chunks to send
   * (head line, records): nothing is copied per reader. undefined as for fullList.
   */
  async portalLines(eventId: string): Promise<Buffer[] | undefined> {
    const list = await this.flights.run(eventId, () => this.refresh(eventId));
    if (!list) return undefined;
    return [Buffer.from(`${JSON.stringify({ event_id: eventId, total_checked_in: list.count })}\n`), list.lines];
  }

  /** Forgets an event's list (after it was deleted here; other replicas notice by the count). */
  invalidate(eventId: string): void {
    const cached = this.lists.get(eventId);
    if (!cached) return;
    this.lists.delete(eventId);
    this.bytes -= sizeOf(cached);
  }

  /** Bytes held, for tests and diagnostics. */
  get size(): { events: number; bytes: number } {
    return { events: this.lists.size, bytes: this.bytes };
  }

  private async refresh(eventId: string): Promise<CachedList | undefined> {
    if (this.maxRecords === 0) return undefined;
    const cached = this.lists.get(eventId);
    if (cached) {
      // At most the rows that still fit: a list that outgrew the cache is never read whole.
      const slice = await readCheckinSlice(this.db, eventId, cached.lastSeq, this.maxRecords - cached.count + 1);
      if (slice.total > this.maxRecords) {
        this.invalidate(eventId);
        return undefined;
      }
      if (cached.count + slice.rows.length === slice.total) {
        if (slice.rows.length === 0) {
          this.touch(eventId, cached);
          return cached;
        }
        return this.store(eventId, append(eventId, cached, slice.rows));
      }
      // Otherwise the cached list is no prefix of the event's list any more: rebuilt below.
    } else if ((await countCheckins(this.db, eventId)) > this.maxRecords) {
      return undefined;
    }
    const slice = await readCheckinSlice(this.db, eventId, '0', this.maxRecords + 1);
    // Grown past the limit since it was counted.
    if (slice.total > this.maxRecords || slice.rows.length > this.maxRecords) return undefined;
    return this.store(eventId, build(eventId, slice.rows));
  }

  private touch(eventId: string, list: CachedList): void {
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.lists.delete(eventId);
    this.lists.set(eventId, list);
  }

  /** Keeps `list` if it fits the budget; returns it. */
  private store(eventId: string, list: CachedList): CachedList {
    this.invalidate(eventId);
    // Empty lists are not worth an entry; one list larger than half the budget is never kept.
    if (list.count === 0 || sizeOf(list) > this.maxBytes / 2) return list;
    this.lists.set(eventId, list);
    this.bytes += sizeOf(list);
    for (const [oldest, entry] of this.lists) {
      if (this.bytes <= this.maxBytes) break;
      this.lists.delete(oldest);
      this.bytes -= sizeOf(entry);
    }
    return list;
  }
}
