// An event's whole check-in list streamed from one snapshot (issue 10, item 6): compat JSON, NDJSON for the portal, the CSV export.
//
// Memory is one cursor batch per reader whatever the list's length, and each open list holds a
// database connection until its reader has it all, so at most `concurrent` lists stream at once
// (the others wait for a slot): readers can never take the connections check-ins need.
import { Readable } from 'node:stream';
import { ATTENDANCE_CSV_COLUMNS, toPortalAttendanceCheckin } from '@tixgo/contracts';
import { httpError } from '@tixgo/platform';
import { stringify } from 'csv-stringify/sync';
import pLimit, { type LimitFunction } from 'p-limit';
import type pg from 'pg';
import {
  type CheckinExportRow,
  type CheckinSnapshot,
  openCheckinSnapshot,
  recordOf,
  type StoredCheckin,
} from './checkins-repository.js';

/** Rows read per cursor round trip (about 250 kB of JSON). */
const BATCH_ROWS = 1000;

type Kind = 'records' | 'export';
type RowOf<K extends Kind> = K extends 'records' ? StoredCheckin : CheckinExportRow;
type Format<K extends Kind> = (snapshot: CheckinSnapshot<RowOf<K>>) => AsyncGenerator<string>;

async function* batches<Row>(snapshot: CheckinSnapshot<Row>): AsyncGenerator<Row[]> {
  for (;;) {
    const rows = await snapshot.read(BATCH_ROWS);
    if (rows.length === 0) return;
    yield rows;
  }
}

/**
 * The compat body `{"event_id","total_checked_in","records":[…]}`, byte for byte what
 * JSON.stringify of the whole object writes (the list cache builds the same bytes).
 */
export function jsonList(eventId: string): Format<'records'> {
  return async function* (snapshot) {
    yield `{"event_id":${JSON.stringify(eventId)},"total_checked_in":${snapshot.total},"records":[`;
    let separator = '';
    for await (const rows of batches(snapshot)) {
      yield separator + rows.map((row) => JSON.stringify(recordOf(row))).join(',');
      separator = ',';
    }
    yield ']}';
  };
}

/**
 * NDJSON: the head `{"event_id","total_checked_in"}`, then one record per line: as it is, or with
 * view 'portal' in the portal's shape (what the gateway streams through without parsing).
 */
export function ndjsonList(eventId: string, view?: 'portal'): Format<'records'> {
  const line = (row: StoredCheckin): object =>
    view === 'portal' ? toPortalAttendanceCheckin(recordOf(row)) : recordOf(row);
  return async function* (snapshot) {
    yield `${JSON.stringify({ event_id: eventId, total_checked_in: snapshot.total })}\n`;
    for await (const rows of batches(snapshot)) yield `${rows.map((row) => JSON.stringify(line(row))).join('\n')}\n`;
  };
}

/**
 * The CSV export (csv-stringify): UTF-8 with a byte-order mark (so spreadsheet programs read it as
 * UTF-8) and a header row. Cells starting with = + - @ (or a tab or CR) are prefixed with ' so no
 * spreadsheet runs a holder name or ticket code as a formula (CSV injection).
 */
export const csvExport: Format<'export'> = async function* (snapshot) {
  const options = { columns: [...ATTENDANCE_CSV_COLUMNS], escape_formulas: true };
  yield stringify([], { ...options, header: true, bom: true });
  for await (const rows of batches(snapshot)) yield stringify(rows, options);
};

export interface ListStreamOptions {
  /** Slots one account may hold, open or waiting (default: half the slots, at least 1). */
  perOwner?: number;
  /** Lists that may wait for a slot; one more is refused with 503 (default: 4 per slot). */
  maxWaiting?: number;
  /** A reader must take at least this many bytes per check interval, else its list ends (default 64 KiB). */
  minBytesPerCheck?: number;
  /** How often readers' progress is checked (default 10 s). */
  checkMs?: number;
  /** Runs `check` every `ms` until the returned stop is called (tests drive it by hand); default setInterval. */
  every?: (ms: number, check: () => void) => () => void;
}

function everyInterval(ms: number, check: () => void): () => void {
  const timer = setInterval(check, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** How long a refused reader should wait before it asks again. */
const RETRY_AFTER_SECONDS = 5;

/** One open list: how much its reader has taken, as of now and as of the last check. */
interface OpenList {
  stream: Readable;
  taken: number;
  takenAtCheck: number;
}

/**
 * The slots of the lists being streamed (issue 15, item 10: 16 slow readers of one account kept
 * another user's export waiting 125 s). Each list holds a database connection until its reader has
 * it all, so: one account holds at most `perOwner` slots (open or waiting), at most `maxWaiting`
 * lists wait (FIFO) and more are refused at once, and a reader slower than `minBytesPerCheck` per
 * `checkMs` loses its list, giving the slot to the next. Hand-written over p-limit: no limiter we
 * use counts per owner or watches how fast a stream is read.
 */
export class CheckinListStreams {
  private readonly slots: LimitFunction;
  private readonly perOwner: number;
  private readonly maxWaiting: number;
  private readonly minBytesPerCheck: number;
  private readonly owners = new Map<string, number>();
  private readonly open_ = new Set<OpenList>();
  private readonly stopChecks: () => void;

  constructor(
    private readonly db: pg.Pool,
    concurrent: number,
    options: ListStreamOptions = {},
  ) {
    this.slots = pLimit(concurrent);
    this.perOwner = options.perOwner ?? Math.max(1, Math.floor(concurrent / 2));
    this.maxWaiting = options.maxWaiting ?? concurrent * 4;
    this.minBytesPerCheck = options.minBytesPerCheck ?? 64 * 1024;
    this.stopChecks = (options.every ?? everyInterval)(options.checkMs ?? 10_000, () => this.endSlowReaders());
  }

  /**
   * Waits for a slot, opens the event's snapshot (so a database outage is still an error answer,
   * before any byte is sent) and returns its bytes as a stream in `format`. The snapshot and the
   * slot are given back when the stream closes: read to the end, failed, dropped by its reader, or
   * ended for reading too slowly. `owner` (the account) is held to its share of the slots: 429.
   */
  async open<K extends Kind>(eventId: string, kind: K, format: Format<K>, owner?: string): Promise<Readable> {
    if (owner !== undefined && (this.owners.get(owner) ?? 0) >= this.perOwner) {
      throw httpError(429, 'Too many lists being read by this account at once; finish one first', undefined, {
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
    if (this.slots.pendingCount >= this.maxWaiting) {
      throw httpError(503, 'Too many lists being read; try again shortly', undefined, {
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
    this.count(owner, 1);
    // The owner's share is given back as soon as its reader has the list (or left), before the
    // connection is: a client's next list right after this one is no list "at once".
    let isCounted = true;
    const forgetOwner = () => {
      if (isCounted) this.count(owner, -1);
      isCounted = false;
    };
    const release = await this.slot();
    let snapshot: CheckinSnapshot<RowOf<K>>;
    try {
      snapshot = (await openCheckinSnapshot(this.db, eventId, kind)) as CheckinSnapshot<RowOf<K>>;
    } catch (error) {
      forgetOwner();
      release();
      throw error;
    }
    const list: OpenList = { stream: undefined as unknown as Readable, taken: 0, takenAtCheck: 0 };
    async function* counted(): AsyncGenerator<string> {
      for await (const chunk of format(snapshot)) {
        list.taken += Buffer.byteLength(chunk);
        yield chunk;
      }
    }
    const stream = Readable.from(counted(), { objectMode: false });
    list.stream = stream;
    this.open_.add(list);
    stream.once('end', forgetOwner);
    stream.once('close', () => {
      forgetOwner();
      this.open_.delete(list);
      snapshot.close(stream.errored ?? undefined).finally(release);
    });
    return stream;
  }

  /** Ends the lists whose readers took less than minBytesPerCheck since the last check. */
  endSlowReaders(): void {
    for (const list of this.open_) {
      if (list.taken - list.takenAtCheck < this.minBytesPerCheck) {
        list.stream.destroy(new Error('list reader too slow: ended to free its slot'));
      } else {
        list.takenAtCheck = list.taken;
      }
    }
  }

  /** Stops the reader checks (the service is closing). */
  close(): void {
    this.stopChecks();
  }

  /** Lists waiting for a slot (for tests and diagnostics). */
  get waiting(): number {
    return this.slots.pendingCount;
  }

  private count(owner: string | undefined, delta: number): void {
    if (owner === undefined) return;
    const next = (this.owners.get(owner) ?? 0) + delta;
    if (next <= 0) this.owners.delete(owner);
    else this.owners.set(owner, next);
  }

  /** Resolves with the release of a slot, once one is free. */
  private slot(): Promise<() => void> {
    return new Promise((granted) => {
      void this.slots(() => new Promise<void>((release) => granted(release)));
    });
  }
}
