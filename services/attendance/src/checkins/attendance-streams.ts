// An event's whole check-in list streamed from one snapshot (issue 10, item 6): compat JSON, NDJSON for the portal, the CSV export.
//
// Memory is one cursor batch per reader whatever the list's length, and each open list holds a
// database connection until its reader has it all, so at most `concurrent` lists stream at once
// (the others wait for a slot): readers can never take the connections check-ins need.
import { Readable } from 'node:stream';
import { ATTENDANCE_CSV_COLUMNS, type CheckinRecord, toPortalAttendanceCheckin } from '@tixgo/contracts';
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

export class CheckinListStreams {
  private readonly slots: LimitFunction;

  constructor(
    private readonly db: pg.Pool,
    concurrent: number,
  ) {
    this.slots = pLimit(concurrent);
  }

  /**
   * Waits for a slot, opens the event's snapshot (so a database outage is still an error answer,
   * before any byte is sent) and returns its bytes as a stream in `format`. The snapshot and the
   * slot are given back when the stream closes: read to the end, failed, or dropped by its reader.
   */
  async open<K extends Kind>(eventId: string, kind: K, format: Format<K>): Promise<Readable> {
    const release = await this.slot();
    let snapshot: CheckinSnapshot<RowOf<K>>;
    try {
      snapshot = (await openCheckinSnapshot(this.db, eventId, kind)) as CheckinSnapshot<RowOf<K>>;
    } catch (error) {
      release();
      throw error;
    }
    const stream = Readable.from(format(snapshot), { objectMode: false });
    stream.once('close', () => {
      snapshot.close(stream.errored ?? undefined).finally(release);
    });
    return stream;
  }

  /** Lists waiting for a slot (for tests and diagnostics). */
  get waiting(): number {
    return this.slots.pendingCount;
  }

  /** Resolves with the release of a slot, once one is free. */
  private slot(): Promise<() => void> {
    return new Promise((granted) => {
      void this.slots(() => new Promise<void>((release) => granted(release)));
    });
  }
}
