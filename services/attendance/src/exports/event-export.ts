// An event's export as people open it (issue 17): who arrived (with conflicts marked), who has not yet, or
// every scan attempt (issue 16: the history), times in the event's time zone, headers in the UI's language, a file named after the event and date;
// written as CSV or .xlsx page by page, so any size streams in bounded memory.
import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import type { EventRow } from '../events/events-repository.js';
import { XlsxSheet, type XlsxValue } from './xlsx-sheet.js';

export type ExportList = 'arrived' | 'absent' | 'history';
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

/** A line of the event's history: an admission to `main` that counts (its checkins row) or a scan_history row. */
interface HistoryRow {
  /** The position in its source (checkins.seq or scan_history.id). */
  key: string;
  at: Date;
  scanned_at: Date | null;
  ticket_id: string;
  holder_name: string | null;
  list_id: string | null;
  action: 'entry' | 'exit' | 'refused' | 'annulled' | 'cancelled';
  refusal: string | null;
  location: string | null;
  device_id: string | null;
  by: string;
  reason: string | null;
  overridden: boolean;
  offline: boolean;
  annulled_at: Date | null;
  annulled_by: string | null;
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
    file: { arrived: 'hadir', absent: 'belum-datang', history: 'riwayat-scan' },
    sheet: { arrived: 'Hadir', absent: 'Belum datang', history: 'Riwayat scan' },
    serverTime: 'Waktu server',
    deviceTime: 'Waktu perangkat',
    list: 'Daftar',
    action: 'Kejadian',
    why: 'Alasan',
    device: 'Perangkat',
    actions: {
      entry: 'Masuk',
      exit: 'Keluar',
      refused: 'Ditolak',
      annulled: 'Check-in dibatalkan',
      cancelled: 'Tiket dibatalkan',
    },
    refusals: {
      cancelled: 'Tiket dibatalkan',
      'wrong-type': 'Tidak berlaku untuk area ini',
      'not-open': 'Belum dibuka',
      closed: 'Sudah ditutup',
      'already-used': 'Sudah check-in',
      'already-inside': 'Sudah di dalam',
      'not-inside': 'Tidak di dalam',
      full: 'Area penuh',
      'not-issued': 'Tiket tidak terdaftar',
    } as Record<string, string>,
    overridden: 'dimasukkan supervisor melebihi kapasitas',
    offline: 'diloloskan saat offline',
    annulledLater: (at: string, by: string) => `kemudian dibatalkan ${at} oleh ${by}`,
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
    file: { arrived: 'arrived', absent: 'not-arrived', history: 'scan-history' },
    sheet: { arrived: 'Arrived', absent: 'Not yet arrived', history: 'Scan history' },
    serverTime: 'Server time',
    deviceTime: 'Device time',
    list: 'List',
    action: 'What happened',
    why: 'Why',
    device: 'Device',
    actions: {
      entry: 'Entered',
      exit: 'Went out',
      refused: 'Refused',
      annulled: 'Check-in undone',
      cancelled: 'Ticket cancelled',
    },
    refusals: {
      cancelled: 'Ticket cancelled',
      'wrong-type': 'Not valid for this area',
      'not-open': 'Not open yet',
      closed: 'Closed',
      'already-used': 'Already checked in',
      'already-inside': 'Already inside',
      'not-inside': 'Not inside',
      full: 'Area full',
      'not-issued': 'Ticket not issued',
    } as Record<string, string>,
    overridden: 'let in by a supervisor over capacity',
    offline: 'let through offline',
    annulledLater: (at: string, by: string) => `undone since, ${at} by ${by}`,
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

/**
 * One query's rows of the event, page by page in the order of their key (`$2`, after which a page starts;
 * `$3` rows at most): a keyset walk, so memory stays bounded whatever the event's size. Yields to the event
 * loop between pages, so a big export does not hold other requests up.
 */
async function* keysetPages<Row>(
  db: pg.Pool,
  query: { name: string; text: string },
  eventId: string,
  keyOf: (row: Row) => string,
): AsyncGenerator<Row[]> {
  let after = '0';
  for (;;) {
    const { rows } = await db.query<Row & pg.QueryResultRow>({ ...query, values: [eventId, after, PAGE] });
    if (rows.length === 0) return;
    after = keyOf(rows.at(-1) as Row);
    yield rows;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const arrivedPages = (db: pg.Pool, eventId: string) =>
  keysetPages<ArrivedRow>(
    db,
    {
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
    },
    eventId,
    (row) => row.seq,
  );

const absentPages = (db: pg.Pool, eventId: string) =>
  keysetPages<AbsentRow>(
    db,
    {
      name: 'export-absent',
      text: `SELECT t.seq::text AS seq, t.ticket_id, t.holder_name, t.holder_email,
               t.cancelled_at IS NOT NULL AS cancelled,
               EXISTS (SELECT 1 FROM scan_history h WHERE h.event_id = t.event_id AND h.ticket_id = t.ticket_id
                         AND h.action = 'annulled' AND h.list_id = 'main') AS annulled
             FROM tickets t
             WHERE t.event_id = $1 AND t.seq > $2::int8
               AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.event_id = t.event_id AND c.ticket_id = t.ticket_id)
             ORDER BY t.seq LIMIT $3`,
    },
    eventId,
    (row) => row.seq,
  );

const HISTORY_COLUMNS = `h.ticket_id, t.holder_name, h.list_id, h.action, h.refusal, h.location, h.device_id, h.by,
  h.reason, h.overridden, h.offline, h.annulled_at, h.annulled_by`;

/** The event's admissions to `main` that count (checkins rows), by position. */
async function* mainAdmissions(db: pg.Pool, eventId: string): AsyncGenerator<HistoryRow> {
  const pages = keysetPages<HistoryRow>(
    db,
    {
      name: 'export-history-main',
      text: `SELECT c.seq::text AS key, c.checked_in_at AS at, c.scanned_at, c.ticket_id, t.holder_name,
               'main' AS list_id, 'entry' AS action, NULL AS refusal, c.location, NULL AS device_id,
               c.checked_in_by AS by, NULL AS reason, false AS overridden, false AS offline,
               NULL::timestamptz AS annulled_at, NULL AS annulled_by
             FROM checkins c
             LEFT JOIN tickets t ON t.event_id = c.event_id AND t.ticket_id = c.ticket_id
             WHERE c.event_id = $1 AND c.seq > $2::int8
             ORDER BY c.seq LIMIT $3`,
    },
    eventId,
    (row) => row.key,
  );
  for await (const rows of pages) yield* rows;
}

/** Every other line of the event's history (scan_history_event_idx), in the order written. */
async function* historyLines(db: pg.Pool, eventId: string): AsyncGenerator<HistoryRow> {
  const pages = keysetPages<HistoryRow>(
    db,
    {
      name: 'export-history-lines',
      text: `SELECT h.id::text AS key, h.at, h.scanned_at, ${HISTORY_COLUMNS}
             FROM scan_history h
             LEFT JOIN tickets t ON t.event_id = h.event_id AND t.ticket_id = h.ticket_id
             WHERE h.event_id = $1 AND h.id > $2::int8
             ORDER BY h.id LIMIT $3`,
    },
    eventId,
    (row) => row.key,
  );
  // An undone admission to `main` is written (as it was, at its own time) after the line that undid it,
  // in one transaction: by time within a page, it comes first again (a stable sort keeps the rest).
  for await (const rows of pages) yield* rows.sort((x, y) => x.at.getTime() - y.at.getTime());
}

/**
 * The event's history in server time: the two sources, each in the order it was written, merged by
 * the time attendance received each line (two keyset walks, bounded memory, no sort of the event).
 */
async function* historyPages(db: pg.Pool, eventId: string): AsyncGenerator<HistoryRow[]> {
  const admissions = mainAdmissions(db, eventId);
  const lines = historyLines(db, eventId);
  let a = await admissions.next();
  let b = await lines.next();
  let page: HistoryRow[] = [];
  while (!a.done || !b.done) {
    const takeAdmission = !a.done && (b.done || a.value.at.getTime() <= b.value.at.getTime());
    if (takeAdmission && !a.done) {
      page.push(a.value);
      a = await admissions.next();
    } else if (!b.done) {
      page.push(b.value);
      b = await lines.next();
    }
    if (page.length >= PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/** The note of a history line: overridden, let through offline, undone since (when and by whom), the reason. */
function historyNote(row: HistoryRow, words: (typeof WORDS)[ExportLanguage], zone: string): string {
  const notes: string[] = [];
  if (row.overridden) notes.push(words.overridden);
  if (row.offline) notes.push(words.offline);
  if (row.annulled_at) notes.push(words.annulledLater(wallClock(row.annulled_at, zone).text, row.annulled_by ?? ''));
  return notes.join('; ');
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
  const time = (value: Date) => (request.format === 'xlsx' ? wallClock(value, zone).date : wallClock(value, zone).text);
  if (request.list === 'history') {
    for await (const rows of historyPages(db, request.event.id)) {
      yield rows.map((row) => [
        time(row.at),
        row.scanned_at ? time(row.scanned_at) : '',
        row.ticket_id,
        row.holder_name ?? '',
        row.list_id ?? '',
        words.actions[row.action],
        row.refusal ? (words.refusals[row.refusal] ?? row.refusal) : (row.reason ?? ''),
        row.location ?? '',
        row.device_id ?? '',
        row.by,
        historyNote(row, words, zone),
      ]);
    }
    return [];
  }
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
  if (request.list === 'history') {
    return [
      { header: `${words.serverTime} (${request.timeZone})`, width: 22 },
      { header: `${words.deviceTime} (${request.timeZone})`, width: 22 },
      { header: words.code, width: 16 },
      { header: words.holder, width: 30 },
      { header: words.list, width: 14 },
      { header: words.action, width: 18 },
      { header: words.why, width: 26 },
      { header: words.gate, width: 18 },
      { header: words.device, width: 20 },
      { header: words.by, width: 14 },
      { header: words.note, width: 40 },
    ];
  }
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
