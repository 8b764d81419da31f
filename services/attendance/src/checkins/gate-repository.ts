// The gate's rules in SQL (issue 16): lists, a ticket's pass on a list, counts, history rows, annulments, cancellations.
import type { CheckinList, CreateListBody, HistoryEntry } from '@tixgo/contracts';
import { type GateList, type GatePass, MAIN_LIST, MAIN_LIST_ID, NO_PASS } from '@tixgo/contracts/gate-rules';
import type pg from 'pg';
import { COUNTER_SHARDS } from './checkins-repository.js';

type Queryable = pg.Pool | pg.PoolClient;

interface ListRow {
  list_id: string;
  event_id: string;
  name: string;
  reentry: boolean;
  capacity: number | null;
  ticket_types: string[] | null;
  opens_at: string | null;
  closes_at: string | null;
  admitted: string;
  inside: string;
}

const LIST_COLUMNS = `l.list_id, l.event_id, l.name, l.reentry, l.capacity, l.ticket_types,
  iso_utc(l.opens_at) AS opens_at, iso_utc(l.closes_at) AS closes_at,
  coalesce(k.admitted, 0)::int8 AS admitted, coalesce(k.inside, 0)::int8 AS inside`;

function toList(row: ListRow): CheckinList {
  return {
    id: row.list_id,
    event_id: row.event_id,
    name: row.name,
    reentry: row.reentry,
    capacity: row.capacity,
    ticket_types: row.ticket_types,
    opens_at: row.opens_at,
    closes_at: row.closes_at,
    checked_in: Number(row.admitted),
    inside: Number(row.inside),
  };
}

/** The rules' view of a stored list. */
export function gateListOf(
  list: Pick<CheckinList, 'id' | 'reentry' | 'capacity' | 'ticket_types' | 'opens_at' | 'closes_at'>,
): GateList {
  return {
    id: list.id,
    reentry: list.reentry,
    capacity: list.capacity,
    ticketTypes: list.ticket_types,
    opensAt: list.opens_at === null ? null : Date.parse(list.opens_at),
    closesAt: list.closes_at === null ? null : Date.parse(list.closes_at),
  };
}

/** A list id from its name: lower case letters, digits and dashes ("VIP Lounge" → "vip-lounge"). */
export function listIdOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug === '' || slug === MAIN_LIST_ID ? `list-${Date.now().toString(36)}` : slug;
}

/**
 * A page of a list's passes (tickets admitted at least once), by ticket_id after `after` (the primary key's
 * range); undefined when the event has no such list.
 */
export async function readListPasses(
  db: pg.Pool,
  eventId: string,
  listId: string,
  after: string,
  limit: number,
): Promise<[string, number, boolean][] | undefined> {
  const list = await db.query({
    name: 'list-exists',
    text: 'SELECT 1 FROM checkin_lists WHERE event_id = $1 AND list_id = $2',
    values: [eventId, listId],
  });
  if (list.rowCount === 0) return undefined;
  const { rows } = await db.query<{ ticket_id: string; entries: number; is_inside: boolean }>({
    name: 'list-passes',
    text: `SELECT ticket_id, entries, is_inside FROM list_passes
           WHERE event_id = $1 AND list_id = $2 AND ticket_id > $3 AND (entries > 0 OR is_inside)
           ORDER BY ticket_id LIMIT $4`,
    values: [eventId, listId, after, limit],
  });
  return rows.map((row) => [row.ticket_id, row.entries, row.is_inside]);
}

/** Adds a list; false when the event already has one with that id. */
export async function createList(
  db: pg.Pool,
  eventId: string,
  listId: string,
  body: CreateListBody,
  by: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO checkin_lists (event_id, list_id, name, reentry, capacity, ticket_types, opens_at, closes_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    [eventId, listId, body.name, body.reentry, body.capacity, body.ticket_types, body.opens_at, body.closes_at, by],
  );
  return rowCount === 1;
}

/**
 * The event's lists, `main` first (its counts from the event's check-in counter and its exits), then the
 * others in the order they were added.
 */
export async function readLists(db: Queryable, eventId: string): Promise<CheckinList[]> {
  const [main, others] = await Promise.all([
    db.query<{ admitted: string; exited: string }>({
      name: 'main-list-counts',
      text: `SELECT (SELECT coalesce(sum(n), 0) FROM event_checkin_counts WHERE event_id = $1)::int8 AS admitted,
               (SELECT coalesce(sum(exited), 0) FROM list_counts WHERE event_id = $1 AND list_id = 'main')::int8 AS exited`,
      values: [eventId],
    }),
    db.query<ListRow>({
      name: 'read-lists',
      text: `SELECT ${LIST_COLUMNS} FROM checkin_lists l
             LEFT JOIN list_counts k ON k.event_id = l.event_id AND k.list_id = l.list_id
             WHERE l.event_id = $1 ORDER BY l.created_at, l.list_id`,
      values: [eventId],
    }),
  ]);
  const admitted = Number(main.rows[0]?.admitted ?? 0);
  const exited = Number(main.rows[0]?.exited ?? 0);
  return [
    {
      id: MAIN_LIST_ID,
      event_id: eventId,
      name: 'Main',
      reentry: false,
      capacity: null,
      ticket_types: null,
      opens_at: null,
      closes_at: null,
      checked_in: admitted,
      inside: Math.max(0, admitted - exited),
    },
    ...others.rows.map(toList),
  ];
}

/**
 * A list other than `main`, locked until the transaction ends (FOR UPDATE): scans of one list take turns,
 * so its capacity and counts are exact under concurrent gates. Undefined when the event has no such list.
 */
export async function lockList(
  client: pg.PoolClient,
  eventId: string,
  listId: string,
): Promise<CheckinList | undefined> {
  const { rows } = await client.query<ListRow>({
    name: 'lock-list',
    text: `SELECT ${LIST_COLUMNS} FROM checkin_lists l
           LEFT JOIN list_counts k ON k.event_id = l.event_id AND k.list_id = l.list_id
           WHERE l.event_id = $1 AND l.list_id = $2 FOR UPDATE OF l`,
    values: [eventId, listId],
  });
  return rows[0] && toList(rows[0]);
}

export interface TicketFacts {
  isRegistered: boolean;
  hasTickets: boolean;
  isIssued: boolean;
  type: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  holderName: string | null;
}

/** What the rules need to know of the event and the code (the ticket row locked: a cancellation waits). */
export async function readTicketFacts(client: Queryable, eventId: string, ticketId: string): Promise<TicketFacts> {
  const { rows } = await client.query<{
    registered: boolean;
    has_tickets: boolean;
    issued: boolean;
    type: string | null;
    cancelled_at: string | null;
    cancel_reason: string | null;
    holder_name: string | null;
  }>({
    name: 'gate-ticket-facts',
    text: `SELECT e.ticket_count IS NOT NULL AS registered, coalesce(e.ticket_count > 0, false) AS has_tickets,
             t.ticket_id IS NOT NULL AS issued, t.type, iso_utc(t.cancelled_at) AS cancelled_at, t.cancel_reason,
             t.holder_name
           FROM (SELECT 1) one
           LEFT JOIN events e ON e.id = $1
           LEFT JOIN tickets t ON t.event_id = $1 AND t.ticket_id = $2`,
    values: [eventId, ticketId],
  });
  const row = rows[0];
  return {
    isRegistered: row?.registered ?? false,
    hasTickets: row?.has_tickets ?? false,
    isIssued: row?.issued ?? false,
    type: row?.type ?? null,
    cancelledAt: row?.cancelled_at ?? null,
    cancelReason: row?.cancel_reason ?? null,
    holderName: row?.holder_name ?? null,
  };
}

/** The ticket's admission to `main` (its checkins row), locked; undefined when it has none. */
export async function lockMainAdmission(
  client: pg.PoolClient,
  eventId: string,
  ticketId: string,
): Promise<{ checkinId: string; exited: boolean } | undefined> {
  const { rows } = await client.query<{ checkin_id: string; exited: boolean }>({
    name: 'lock-main-admission',
    text: `SELECT checkin_id::text AS checkin_id, exited_at IS NOT NULL AS exited FROM checkins
           WHERE event_id = $1 AND ticket_id = $2 FOR UPDATE`,
    values: [eventId, ticketId],
  });
  const row = rows[0];
  return row && { checkinId: row.checkin_id, exited: row.exited };
}

/** The ticket's pass on a list other than `main`, locked (created empty first, so two scans queue on it). */
export async function lockPass(
  client: pg.PoolClient,
  eventId: string,
  listId: string,
  ticketId: string,
): Promise<GatePass & { lastCheckinId: string | null }> {
  await client.query({
    name: 'ensure-pass',
    text: `INSERT INTO list_passes (event_id, list_id, ticket_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    values: [eventId, listId, ticketId],
  });
  const { rows } = await client.query<{ entries: number; is_inside: boolean; last_checkin_id: string | null }>({
    name: 'lock-pass',
    text: `SELECT entries, is_inside, last_checkin_id::text AS last_checkin_id FROM list_passes
           WHERE event_id = $1 AND list_id = $2 AND ticket_id = $3 FOR UPDATE`,
    values: [eventId, listId, ticketId],
  });
  const row = rows[0];
  return row
    ? { entries: row.entries, isInside: row.is_inside, lastCheckinId: row.last_checkin_id }
    : { ...NO_PASS, lastCheckinId: null };
}

/** Admits the ticket to a list other than `main`: its pass and the list's counts. */
export async function admitToList(
  client: pg.PoolClient,
  eventId: string,
  listId: string,
  ticketId: string,
  checkinId: string,
  isFirstEntry: boolean,
): Promise<void> {
  await client.query({
    name: 'admit-pass',
    text: `UPDATE list_passes SET entries = entries + 1, is_inside = true, last_checkin_id = $4
           WHERE event_id = $1 AND list_id = $2 AND ticket_id = $3`,
    values: [eventId, listId, ticketId, checkinId],
  });
  await addListCounts(client, eventId, listId, { admitted: isFirstEntry ? 1 : 0, inside: 1 });
}

/** Lets the ticket out of a list: `main` marks its checkins row, another list its pass. */
export async function exitFromList(
  client: pg.PoolClient,
  eventId: string,
  listId: string,
  ticketId: string,
): Promise<void> {
  if (listId === MAIN_LIST_ID) {
    await client.query({
      name: 'exit-main',
      text: 'UPDATE checkins SET exited_at = now() WHERE event_id = $1 AND ticket_id = $2',
      values: [eventId, ticketId],
    });
    await addListCounts(client, eventId, listId, { exited: 1 });
    return;
  }
  await client.query({
    name: 'exit-pass',
    text: 'UPDATE list_passes SET is_inside = false WHERE event_id = $1 AND list_id = $2 AND ticket_id = $3',
    values: [eventId, listId, ticketId],
  });
  await addListCounts(client, eventId, listId, { inside: -1, exited: 1 });
}

async function addListCounts(
  client: Queryable,
  eventId: string,
  listId: string,
  delta: { admitted?: number; inside?: number; exited?: number },
): Promise<void> {
  await client.query({
    name: 'add-list-counts',
    text: `INSERT INTO list_counts AS k (event_id, list_id, admitted, inside, exited) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (event_id, list_id) DO UPDATE
             SET admitted = k.admitted + EXCLUDED.admitted, inside = k.inside + EXCLUDED.inside,
                 exited = k.exited + EXCLUDED.exited`,
    values: [eventId, listId, delta.admitted ?? 0, delta.inside ?? 0, delta.exited ?? 0],
  });
}

export interface HistoryInput {
  eventId: string;
  ticketId: string;
  listId: string | null;
  action: HistoryEntry['action'];
  direction: 'entry' | 'exit' | null;
  checkinId: string | null;
  by: string;
  /** Default: now(). */
  at?: string | null;
  scannedAt: string | null;
  location: string | null;
  deviceId: string | null;
  refusal: string | null;
  detail: string | null;
  reason: string | null;
  overridden: boolean;
  offline: boolean;
  annulledAt?: string | null;
  annulledBy?: string | null;
}

/** Appends a line to a ticket's history; answers the time it was written. */
export async function addHistory(db: Queryable, entry: HistoryInput): Promise<string> {
  const { rows } = await db.query<{ at: string }>({
    name: 'add-history',
    text: `INSERT INTO scan_history (event_id, ticket_id, list_id, action, direction, checkin_id, by, at, scanned_at,
             location, device_id, refusal, detail, reason, overridden, offline, annulled_at, annulled_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()), $9, $10, $11, $12, $13, $14, $15, $16,
             $17, $18)
           RETURNING iso_utc(at) AS at`,
    values: [
      entry.eventId,
      entry.ticketId,
      entry.listId,
      entry.action,
      entry.direction,
      entry.checkinId,
      entry.by,
      entry.at ?? null,
      entry.scannedAt,
      entry.location,
      entry.deviceId,
      entry.refusal,
      entry.detail,
      entry.reason,
      entry.overridden,
      entry.offline,
      entry.annulledAt ?? null,
      entry.annulledBy ?? null,
    ],
  });
  return (rows[0] as { at: string }).at;
}

export interface AnnulResult {
  ticketId: string;
  listId: string;
  at: string;
}

/**
 * Annuls an admission (issue 16, undo): it stops counting and the ticket may enter again; the admission
 * and the annulment stay in the history. `main`: the checkins row goes (a copy into the history marked
 * annulled) and the event's counter drops by one; another list: the history's entry is marked and the
 * pass and the list's counts are corrected. One transaction; undefined when the event has no such
 * admission (or it was annulled already).
 */
export async function annulCheckin(
  db: pg.Pool,
  eventId: string,
  checkinId: string,
  by: string,
  reason: string,
): Promise<AnnulResult | undefined> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result =
      (await annulMain(client, eventId, checkinId, by, reason)) ??
      (await annulListEntry(client, eventId, checkinId, by, reason));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function annulMain(
  client: pg.PoolClient,
  eventId: string,
  checkinId: string,
  by: string,
  reason: string,
): Promise<AnnulResult | undefined> {
  // By the event's rows (checkins_event_seq_idx): annulments are rare, so the check-in path keeps
  // its one index less than a lookup by checkin_id would need.
  const { rows } = await client.query<{
    ticket_id: string;
    checked_in_by: string;
    checked_in_at: string;
    scanned_at: string | null;
    location: string | null;
    exited: boolean;
  }>({
    name: 'annul-main',
    text: `DELETE FROM checkins WHERE event_id = $1 AND checkin_id = $2::uuid
           RETURNING ticket_id, checked_in_by, iso_utc(checked_in_at) AS checked_in_at, iso_utc(scanned_at) AS scanned_at,
             location, exited_at IS NOT NULL AS exited`,
    values: [eventId, checkinId],
  });
  const row = rows[0];
  if (!row) return undefined;
  await client.query({
    name: 'annul-main-count',
    text: `INSERT INTO event_checkin_counts AS k (event_id, shard, n) VALUES ($1, pg_backend_pid() % ${COUNTER_SHARDS}, -1)
           ON CONFLICT (event_id, shard) DO UPDATE SET n = k.n - 1`,
    values: [eventId],
  });
  if (row.exited) await addListCounts(client, eventId, MAIN_LIST_ID, { exited: -1 });
  const at = await addHistory(client, {
    eventId,
    ticketId: row.ticket_id,
    listId: MAIN_LIST_ID,
    action: 'annulled',
    direction: null,
    checkinId,
    by,
    scannedAt: null,
    location: null,
    deviceId: null,
    refusal: null,
    detail: null,
    reason,
    overridden: false,
    offline: false,
  });
  await addHistory(client, {
    eventId,
    ticketId: row.ticket_id,
    listId: MAIN_LIST_ID,
    action: 'entry',
    direction: 'entry',
    checkinId,
    by: row.checked_in_by,
    at: row.checked_in_at,
    scannedAt: row.scanned_at,
    location: row.location,
    deviceId: null,
    refusal: null,
    detail: null,
    reason: null,
    overridden: false,
    offline: false,
    annulledAt: at,
    annulledBy: by,
  });
  return { ticketId: row.ticket_id, listId: MAIN_LIST_ID, at };
}

async function annulListEntry(
  client: pg.PoolClient,
  eventId: string,
  checkinId: string,
  by: string,
  reason: string,
): Promise<AnnulResult | undefined> {
  const { rows } = await client.query<{ ticket_id: string; list_id: string }>({
    name: 'annul-list-entry',
    text: `UPDATE scan_history SET annulled_at = now(), annulled_by = $3
           WHERE checkin_id = $2::uuid AND event_id = $1 AND action = 'entry' AND annulled_at IS NULL
             AND list_id <> 'main'
           RETURNING ticket_id, list_id`,
    values: [eventId, checkinId, by],
  });
  const row = rows[0];
  if (!row) return undefined;
  const pass = await lockPass(client, eventId, row.list_id, row.ticket_id);
  const wasInside = pass.isInside && pass.lastCheckinId === checkinId;
  await client.query({
    name: 'annul-pass',
    text: `UPDATE list_passes SET entries = greatest(entries - 1, 0), is_inside = is_inside AND NOT $4::boolean
           WHERE event_id = $1 AND list_id = $2 AND ticket_id = $3`,
    values: [eventId, row.list_id, row.ticket_id, wasInside],
  });
  await addListCounts(client, eventId, row.list_id, {
    admitted: pass.entries === 1 ? -1 : 0,
    inside: wasInside ? -1 : 0,
  });
  const at = await addHistory(client, {
    eventId,
    ticketId: row.ticket_id,
    listId: row.list_id,
    action: 'annulled',
    direction: null,
    checkinId,
    by,
    scannedAt: null,
    location: null,
    deviceId: null,
    refusal: null,
    detail: null,
    reason,
    overridden: false,
    offline: false,
  });
  return { ticketId: row.ticket_id, listId: row.list_id, at };
}

/** Cancels a ticket; 'not-found' / 'already' when there is no such ticket or it is cancelled already. */
export async function cancelTicket(
  db: pg.Pool,
  eventId: string,
  ticketId: string,
  by: string,
  reason: string,
): Promise<{ at: string } | 'not-found' | 'already'> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    // seq = DEFAULT: the ticket moves to the end of the download order, so every offline station's next
    // "what changed since" brings it, cancelled.
    const { rows } = await client.query<{ at: string | null; was: boolean }>({
      name: 'cancel-ticket',
      text: `UPDATE tickets t SET cancelled_at = coalesce(t.cancelled_at, now()),
               cancelled_by = coalesce(t.cancelled_by, $3), cancel_reason = coalesce(t.cancel_reason, $4),
               seq = DEFAULT
             FROM (SELECT cancelled_at IS NOT NULL AS was FROM tickets WHERE event_id = $1 AND ticket_id = $2 FOR UPDATE) old
             WHERE t.event_id = $1 AND t.ticket_id = $2
             RETURNING iso_utc(t.cancelled_at) AS at, old.was`,
      values: [eventId, ticketId, by, reason],
    });
    const row = rows[0];
    if (!row) {
      await client.query('ROLLBACK');
      return 'not-found';
    }
    if (row.was) {
      await client.query('ROLLBACK');
      return 'already';
    }
    await addHistory(client, {
      eventId,
      ticketId,
      listId: null,
      action: 'cancelled',
      direction: null,
      checkinId: null,
      by,
      at: row.at,
      scannedAt: null,
      location: null,
      deviceId: null,
      refusal: null,
      detail: null,
      reason,
      overridden: false,
      offline: false,
    });
    await client.query('COMMIT');
    return { at: row.at as string };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * A ticket's history, oldest first: its admission to `main` while it counts (the checkins row, with its
 * exit) and every stored line. Bounded: a ticket's history is a handful of lines, at most `limit`.
 */
export async function readHistory(
  db: pg.Pool,
  eventId: string,
  ticketId: string,
  limit = 1000,
): Promise<HistoryEntry[]> {
  const { rows } = await db.query<HistoryEntry & { sort_at: string; id: string; device_scanned_at: string | null }>({
    name: 'read-history',
    text: `SELECT * FROM (
             SELECT 'entry' AS action, 'main' AS list_id, 'entry' AS direction, iso_utc(c.checked_in_at) AS at,
               iso_utc(c.scanned_at) AS scanned_at, c.checked_in_by AS by, c.location, NULL AS device_id,
               c.checkin_id::text AS checkin_id, NULL AS detail, NULL AS refusal, NULL AS reason, false AS overridden,
               false AS annulled, false AS offline,
               (SELECT iso_utc(k.device_scanned_at) FROM scan_time_clamps k
                 WHERE k.event_id = c.event_id AND k.ticket_id = c.ticket_id AND k.scanned_at = c.scanned_at
                   AND k.by = c.checked_in_by LIMIT 1) AS device_scanned_at,
               c.checked_in_at AS sort_at, 0::int8 AS id
             FROM checkins c WHERE c.event_id = $1 AND c.ticket_id = $2
             UNION ALL
             SELECT h.action, h.list_id, h.direction, iso_utc(h.at), iso_utc(h.scanned_at), h.by, h.location, h.device_id,
               h.checkin_id::text, h.detail, h.refusal, h.reason, h.overridden, h.annulled_at IS NOT NULL, h.offline,
               (SELECT iso_utc(k.device_scanned_at) FROM scan_time_clamps k
                 WHERE k.event_id = h.event_id AND k.ticket_id = h.ticket_id AND k.scanned_at = h.scanned_at
                   AND k.by = h.by LIMIT 1),
               h.at, h.id
             FROM scan_history h WHERE h.event_id = $1 AND h.ticket_id = $2
           ) x ORDER BY sort_at, id LIMIT $3`,
    values: [eventId, ticketId, limit],
  });
  // device_scanned_at only on a line whose scan time was moved (issue 15 item 12): the others are as before.
  return rows.map(({ sort_at: _sortAt, id: _id, device_scanned_at: deviceScannedAt, ...entry }) =>
    deviceScannedAt ? { ...entry, device_scanned_at: deviceScannedAt } : entry,
  ) as HistoryEntry[];
}

/** The `main` list as the rules see it (exported for the routes' defaults). */
export const MAIN_GATE_LIST = MAIN_LIST;
export type { GateList };
