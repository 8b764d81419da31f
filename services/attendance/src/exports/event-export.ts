// An event's export as people open it (issue 17): who arrived (with conflicts marked) or who has not yet,
// times in the event's time zone, headers in the UI's language, a file named after the event and date;
// written as CSV or .xlsx page by page, so any size streams in bounded memory.
import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import type { EventRow } from '../events/events-repository.js';
import { XlsxSheet, type XlsxValue } from './xlsx-sheet.js';

export type ExportList = 'arrived' | 'absent';
export type ExportLanguage = 'id' | 'en';
export type ExportFormat = 'csv' | 'xlsx';

/** Rows read per statement (keyset on the position), then the event loop gets a turn. */
const PAGE = 2000;

interface ArrivedRow {
  seq: string;
  ticket_id: string;
  holder_name: string | null;
  at_gate: Date;
  received: Date;
  checked_in_by: string;
  location: string | null;
  /** The latest conflicting offline admission of this ticket, if any. */
  conflict: { location: string | null; at: string; by: string; n: number } | null;
  /** Issue 16: the ticket was cancelled after it arrived; the person went out through the list main. */
  cancelled: boolean;
  exited: boolean;
}

interface AbsentRow {
  seq: string;
  ticket_id: string;
  holder_name: string | null;
  holder_email: string | null;
  /** Issue 16: cancelled; a check-in of it was annulled (undone). */
  cancelled: boolean;
  annulled: boolean;
}

const WORDS = {
  id: {
    code: 'Kode tiket',
    holder: 'Nama pemegang',
    email: 'E-mail',
    atGate: 'Waktu di gerbang',
    received: 'Diterima server',
    gate: 'Gerbang',
    by: 'Dicatat oleh',
    status: 'Status',
    note: 'Catatan',
    arrived: 'Hadir',
    absent: 'Belum datang',
    arrivedLeft: 'Hadir, sudah keluar',
    arrivedCancelled: 'Hadir, tiket lalu dibatalkan',
    cancelled: 'Tiket dibatalkan',
    annulled: 'Check-in dibatalkan',
    conflict: (gate: string, at: string, by: string, n: number) =>
      `Konflik: juga diizinkan masuk saat offline di ${gate} ${at} oleh ${by}${n > 1 ? ` (dan ${n - 1} lagi)` : ''}`,
    file: { arrived: 'hadir', absent: 'belum-datang' },
    sheet: { arrived: 'Hadir', absent: 'Belum datang' },
  },
  en: {
    code: 'Ticket code',
    holder: 'Holder name',
    email: 'E-mail',
    atGate: 'Time at the gate',
    received: 'Received by the server',
    gate: 'Gate',
    by: 'Recorded by',
    status: 'Status',
    note: 'Note',
    arrived: 'Arrived',
    absent: 'Not yet arrived',
    arrivedLeft: 'Arrived, has left',
    arrivedCancelled: 'Arrived, ticket cancelled since',
    cancelled: 'Ticket cancelled',
    annulled: 'Check-in annulled',
    conflict: (gate: string, at: string, by: string, n: number) =>
      `Conflict: also admitted offline at ${gate} ${at} by ${by}${n > 1 ? ` (and ${n - 1} more)` : ''}`,
    file: { arrived: 'arrived', absent: 'not-arrived' },
    sheet: { arrived: 'Arrived', absent: 'Not yet arrived' },
  },
} as const;

/** A time's wall clock in `timeZone`: "2026-09-01 21:33", and as a Date whose UTC fields are that wall clock. */
export function wallClock(time: Date, timeZone: string): { text: string; date: Date } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(time)
      .map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  const text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  const date = new Date(
    Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    ),
  );
  return { text, date };
}

/**
 * The download's name: the event's title in plain letters, its date (the start's, else today's) in its
 * time zone, and which list — "wisuda-desember-2026-2026-12-12-hadir.xlsx".
 */
export function exportFileName(
  event: Pick<EventRow, 'title' | 'start_time'>,
  timeZone: string,
  list: ExportList,
  language: ExportLanguage,
  format: ExportFormat,
  now: Date,
): string {
  const slug =
    event.title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'acara';
  const day = wallClock(event.start_time ? new Date(event.start_time) : now, timeZone).text.slice(0, 10);
  return `${slug}-${day}-${WORDS[language].file[list]}.${format}`;
}

/**
 * A check-in's own state (issue 16): arrived, arrived and gone out again, or arrived on a ticket cancelled since.
 * An annulled check-in does not count, so it is not in this list: its ticket is in the other one, marked.
 */
function arrivalStatus(row: ArrivedRow, words: (typeof WORDS)[ExportLanguage]): string {
  if (row.cancelled) return words.arrivedCancelled;
  return row.exited ? words.arrivedLeft : words.arrived;
}

/** A ticket not (or no longer) in: cancelled, its check-in annulled, or not yet arrived. */
function absenceStatus(row: AbsentRow, words: (typeof WORDS)[ExportLanguage]): string {
  if (row.cancelled) return words.cancelled;
  return row.annulled ? words.annulled : words.absent;
}

async function* arrivedPages(db: pg.Pool, eventId: string): AsyncGenerator<ArrivedRow[]> {
  let after = '0';
  for (;;) {
    const { rows } = await db.query<ArrivedRow>({
      name: 'export-arrived',
      text: `SELECT c.seq::text AS seq, c.ticket_id, t.holder_name, coalesce(c.scanned_at, c.checked_in_at) AS at_gate,
               c.checked_in_at AS received, c.checked_in_by, c.location,
               (SELECT json_build_object('location', k.second_location, 'by', k.second_by,
                         'at', iso_utc(coalesce(k.second_scanned_at, k.second_received_at)),
                         'n', count(*) OVER ())
                  FROM checkin_conflicts k WHERE k.event_id = c.event_id AND k.ticket_id = c.ticket_id
                  ORDER BY k.id DESC LIMIT 1) AS conflict,
               t.cancelled_at IS NOT NULL AS cancelled, c.exited_at IS NOT NULL AS exited
             FROM checkins c
             LEFT JOIN tickets t ON t.event_id = c.event_id AND t.ticket_id = c.ticket_id
             WHERE c.event_id = $1 AND c.seq > $2::int8
             ORDER BY c.seq LIMIT $3`,
      values: [eventId, after, PAGE],
    });
    if (rows.length === 0) return;
    yield rows;
    after = (rows.at(-1) as ArrivedRow).seq;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function* absentPages(db: pg.Pool, eventId: string): AsyncGenerator<AbsentRow[]> {
  let after = '0';
  for (;;) {
    const { rows } = await db.query<AbsentRow>({
      name: 'export-absent',
      text: `SELECT t.seq::text AS seq, t.ticket_id, t.holder_name, t.holder_email,
               t.cancelled_at IS NOT NULL AS cancelled,
               EXISTS (SELECT 1 FROM scan_history h WHERE h.event_id = t.event_id AND h.ticket_id = t.ticket_id
                         AND h.action = 'annulled' AND h.list_id = 'main') AS annulled
             FROM tickets t
             WHERE t.event_id = $1 AND t.seq > $2::int8
               AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.event_id = t.event_id AND c.ticket_id = t.ticket_id)
             ORDER BY t.seq LIMIT $3`,
      values: [eventId, after, PAGE],
    });
    if (rows.length === 0) return;
    yield rows;
    after = (rows.at(-1) as AbsentRow).seq;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface ExportRequest {
  event: EventRow;
  list: ExportList;
  language: ExportLanguage;
  format: ExportFormat;
  timeZone: string;
  /** Holders' e-mails only for admins. */
  withEmail: boolean;
}

/** The columns (header, width) and the rows of the export, as cells. */
async function* tableOf(db: pg.Pool, request: ExportRequest): AsyncGenerator<XlsxValue[][], string[][]> {
  const words = WORDS[request.language];
  const zone = request.timeZone;
  if (request.list === 'absent') {
    for await (const rows of absentPages(db, request.event.id)) {
      yield rows.map((row) => [
        row.ticket_id,
        row.holder_name ?? '',
        ...(request.withEmail ? [row.holder_email ?? ''] : []),
        absenceStatus(row, words),
      ]);
    }
    return [];
  }
  for await (const rows of arrivedPages(db, request.event.id)) {
    yield rows.map((row) => {
      const atGate = wallClock(new Date(row.at_gate), zone);
      const received = wallClock(new Date(row.received), zone);
      const conflict = row.conflict;
      return [
        row.ticket_id,
        row.holder_name ?? '',
        request.format === 'xlsx' ? atGate.date : atGate.text,
        row.location ?? '',
        row.checked_in_by,
        request.format === 'xlsx' ? received.date : received.text,
        arrivalStatus(row, words),
        conflict
          ? words.conflict(
              conflict.location ?? '—',
              wallClock(new Date(conflict.at), zone).text.slice(11),
              conflict.by,
              conflict.n,
            )
          : '',
      ];
    });
  }
  return [];
}

function headerOf(request: ExportRequest): { header: string; width: number }[] {
  const words = WORDS[request.language];
  if (request.list === 'absent') {
    return [
      { header: words.code, width: 16 },
      { header: words.holder, width: 30 },
      ...(request.withEmail ? [{ header: words.email, width: 30 }] : []),
      { header: words.status, width: 16 },
    ];
  }
  return [
    { header: words.code, width: 16 },
    { header: words.holder, width: 30 },
    { header: `${words.atGate} (${request.timeZone})`, width: 22 },
    { header: words.gate, width: 18 },
    { header: words.by, width: 14 },
    { header: `${words.received} (${request.timeZone})`, width: 22 },
    { header: words.status, width: 12 },
    { header: words.note, width: 50 },
  ];
}

/** The export's bytes as a stream: CSV (UTF-8 with BOM, formulas escaped) or .xlsx. */
export function exportStream(db: pg.Pool, request: ExportRequest): Readable {
  const out = new PassThrough();
  const columns = headerOf(request);
  const fail = (error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error)));
  if (request.format === 'csv') {
    void (async () => {
      // escape_formulas: a cell beginning = + - @ starts with ' (no formula runs in a spreadsheet).
      out.write(stringify([columns.map((column) => column.header)], { bom: true, escape_formulas: true }));
      for await (const rows of tableOf(db, request)) {
        if (!out.write(stringify(rows as string[][], { escape_formulas: true }))) {
          await new Promise((resolve) => out.once('drain', resolve));
        }
      }
      out.end();
    })().catch(fail);
    return out;
  }
  const sheet = new XlsxSheet(WORDS[request.language].sheet[request.list], columns, (error, chunk, final) => {
    if (error) return fail(error);
    out.write(chunk);
    if (final) out.end();
  });
  void (async () => {
    for await (const rows of tableOf(db, request)) {
      // Text cells of an .xlsx are text (inline strings), never formulas: nothing to escape.
      for (const row of rows) sheet.addRow(row);
      if (out.writableLength > 1024 * 1024) await new Promise((resolve) => out.once('drain', resolve));
    }
    sheet.finish();
  })().catch(fail);
  return out;
}
