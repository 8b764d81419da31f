// Check-ins in SQL: the batched check-in statement (policy, insert, counter, idempotency claim), lookups, pages.
import type { CheckinRecord } from '@tixgo/contracts';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { EventFacts } from './ticket-policy.js';

/** Number of counter rows per event (see event_checkin_counts in the migration). */
export const COUNTER_SHARDS = 64;

/** Columns of a check-in, named and ordered as the wire record (times formatted by SQL). */
export const RECORD_COLUMNS = `c.event_id, c.ticket_id, c.checked_in_by, iso_utc(c.checked_in_at) AS checked_in_at,
  c.checkin_id::text AS checkin_id, c.location, iso_utc(c.scanned_at) AS scanned_at`;

/** A check-in as SQL returns it: the device scan time is null when the scan gave none. */
export type StoredCheckin = Omit<CheckinRecord, 'scanned_at'> & { scanned_at: string | null };

/**
 * The wire record of a stored check-in. compat: one without a device scan time has exactly the six
 * fields (in this order) it always had; one with it carries scanned_at last.
 */
export function recordOf(row: StoredCheckin): CheckinRecord {
  const record: CheckinRecord = {
    event_id: row.event_id,
    ticket_id: row.ticket_id,
    checked_in_by: row.checked_in_by,
    checked_in_at: row.checked_in_at,
    checkin_id: row.checkin_id,
    location: row.location,
  };
  if (row.scanned_at !== null) record.scanned_at = row.scanned_at;
  return record;
}

/**
 * Checks in a batch of scans in ONE statement (one transaction, one commit):
 *
 * - `claim`: idempotency keys are claimed first (sorted, and all of them before any check-in,
 *   forced by the one-time count in `ins`), so a concurrent request with the same key waits on
 *   the key's unique index until this commits, then finds the key taken. An expired key is
 *   re-claimed.
 * - `facts`: per scan, whether the event is registered / has tickets / issued this ticket
 *   (primary-key probes in the statement's snapshot).
 * - `ins`: the exactly-once rule is the primary key: ON CONFLICT never raises, and an insert of a
 *   ticket that another transaction is inserting waits for it to commit or abort. Rows go in
 *   (event_id, ticket_id) order, so concurrent batches take their locks in one order and cannot
 *   deadlock; two scans of one ticket in one batch go in the order they arrived, so the first to
 *   reach the server wins (an uploaded offline queue holds them in scan order). The gate is the
 *   ticket rule of ticket-policy.ts (keep them in step), and a cancelled ticket never enters.
 * - `counted`: per-event counters, incremented by the same transaction (exact counts); each
 *   connection uses its own shard, so concurrent batches rarely wait on one row.
 * - the final select answers every scan, with the earlier check-in of a duplicate when it is
 *   visible to this snapshot (missing only when it committed after the statement began).
 */
const CHECKIN_BATCH_SQL = `WITH req AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],
                       $10::uuid[], $11::timestamptz[])
    WITH ORDINALITY AS r(event_id, ticket_id, checkin_id, by, location, require_registered, key, request_hash, by_uid,
                         scanned_at, ord)
),
claim AS (
  INSERT INTO idempotency_keys AS k (owner, key, request_hash, checkin_id, event_id, ticket_id)
  SELECT by_uid::text, key, request_hash, checkin_id, event_id, ticket_id FROM req WHERE key IS NOT NULL
  ORDER BY by_uid, key
  ON CONFLICT (owner, key) DO UPDATE
    SET request_hash = EXCLUDED.request_hash, checkin_id = EXCLUDED.checkin_id,
        event_id = EXCLUDED.event_id, ticket_id = EXCLUDED.ticket_id, created_at = now()
    WHERE k.created_at < now() - make_interval(secs => $9::double precision)
  RETURNING owner, key
),
facts AS (
  SELECT r.*,
         e.ticket_count IS NOT NULL AS registered,
         coalesce(e.ticket_count > 0, false) AS has_tickets,
         t.issued IS NOT NULL AS issued,
         coalesce(t.cancelled, false) AS cancelled,
         (r.key IS NULL OR EXISTS (SELECT 1 FROM claim c WHERE c.owner = r.by_uid::text AND c.key = r.key)) AS claimed
  FROM req r
  -- LATERAL probes, one per scan: as plain joins or EXISTS, the planner may hash a whole
  -- 100k-ticket table for a batch it guesses to be large.
  LEFT JOIN LATERAL (SELECT e.ticket_count FROM events e WHERE e.id = r.event_id) e ON true
  LEFT JOIN LATERAL (
    SELECT true AS issued, t.cancelled_at IS NOT NULL AS cancelled
    FROM tickets t WHERE t.event_id = r.event_id AND t.ticket_id = r.ticket_id
  ) t ON true
),
ins AS (
  INSERT INTO checkins (event_id, ticket_id, checkin_id, checked_in_by, checked_in_by_uid, location, scanned_at)
  SELECT event_id, ticket_id, checkin_id, by, by_uid, location, scanned_at FROM facts f
  WHERE (SELECT count(*) FROM claim) >= 0
    AND f.claimed AND (f.registered OR NOT f.require_registered) AND (NOT f.has_tickets OR f.issued)
    AND NOT f.cancelled
  ORDER BY event_id, ticket_id, ord
  ON CONFLICT (event_id, ticket_id) DO NOTHING
  RETURNING event_id, checkin_id, checked_in_at
),
counted AS (
  INSERT INTO event_checkin_counts AS k (event_id, shard, n)
  SELECT event_id, pg_backend_pid() % ${COUNTER_SHARDS}, count(*) FROM ins GROUP BY event_id ORDER BY event_id
  ON CONFLICT (event_id, shard) DO UPDATE SET n = k.n + EXCLUDED.n
)
SELECT f.ord, f.registered, f.has_tickets, f.issued, f.cancelled, f.claimed,
  iso_utc(i.checked_in_at) AS created_at, ${RECORD_COLUMNS}
FROM facts f
LEFT JOIN ins i ON i.checkin_id = f.checkin_id
LEFT JOIN LATERAL (
  SELECT * FROM checkins c WHERE i.checkin_id IS NULL AND c.event_id = f.event_id AND c.ticket_id = f.ticket_id
) c ON true
ORDER BY f.ord`;

export interface CheckinRequest {
  eventId: string;
  ticketId: string;
  /** The caller (the token's sub). */
  by: string;
  /** The caller's account (the token's uid): "my check-ins" are looked up by it. */
  byUid: string;
  location: string | null;
  /** When the device scanned the code (ISO UTC with milliseconds), or null when the scan did not say. */
  scannedAt: string | null;
  /** The time the device sent, when scannedAt was moved to its first ticket download (the request's identity). */
  deviceScannedAt?: string | undefined;
  /** Generated by the caller, so an idempotency key can remember it before the insert. */
  checkinId: string;
  requireRegisteredEvent: boolean;
}

export interface IdempotencyClaim {
  key: string;
  requestHash: string;
  ttlSeconds: number;
}

export interface BatchItem {
  request: CheckinRequest;
  claim?: IdempotencyClaim | undefined;
}

/** The statement's answer for one scan of a batch. */
export interface BatchRow {
  registered: boolean;
  has_tickets: boolean;
  issued: boolean;
  /** The ticket was cancelled by an admin (issue 16): nothing was written. */
  cancelled: boolean;
  /** False when the scan's idempotency key was already taken: nothing was written for it. */
  claimed: boolean;
  /** Set when this scan inserted its check-in. */
  created_at: string | null;
  /** The earlier check-in of a duplicate, when visible to the statement's snapshot. */
  event_id: string | null;
  ticket_id: string | null;
  checked_in_by: string | null;
  checked_in_at: string | null;
  checkin_id: string | null;
  location: string | null;
  scanned_at: string | null;
}

/**
 * Runs the check-in statement for `items` (in one transaction) and returns one row per item, in
 * order. Callers must not put two claims of the same key of the same owner in one batch
 * (PostgreSQL cannot claim a row twice in one statement); their ttlSeconds must agree.
 */
export async function runCheckinBatch(db: pg.Pool, items: BatchItem[]): Promise<BatchRow[]> {
  const column = <T>(pick: (item: BatchItem) => T) => items.map(pick);
  const { rows } = await db.query<BatchRow>({
    name: 'checkin-batch',
    text: CHECKIN_BATCH_SQL,
    values: [
      column((item) => item.request.eventId),
      column((item) => item.request.ticketId),
      column((item) => item.request.checkinId),
      column((item) => item.request.by),
      column((item) => item.request.location),
      column((item) => item.request.requireRegisteredEvent),
      column((item) => item.claim?.key ?? null),
      column((item) => item.claim?.requestHash ?? null),
      items.find((item) => item.claim)?.claim?.ttlSeconds ?? 0,
      column((item) => item.request.byUid),
      column((item) => item.request.scannedAt),
    ],
  });
  return rows;
}

export type CheckinOutcome =
  | { kind: 'created'; record: CheckinRecord }
  | { kind: 'duplicate'; record: CheckinRecord }
  /** Nothing inserted because the ticket rule refused; `facts` says why. */
  | { kind: 'refused'; facts: EventFacts };

export type StatementResult = { outcome: CheckinOutcome; claimed: true } | { outcome: undefined; claimed: false };

/** The account (uid) that made check-in `checkinId`. */
export async function checkinAccount(db: pg.Pool, checkinId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ uid: string }>({
    name: 'checkin-account',
    text: 'SELECT checked_in_by_uid::text AS uid FROM checkins WHERE checkin_id = $1::uuid',
    values: [checkinId],
  });
  return rows[0]?.uid;
}

/** Reads one check-in by its natural key. */
export async function findCheckin(db: pg.Pool, eventId: string, ticketId: string): Promise<CheckinRecord | undefined> {
  const { rows } = await db.query<StoredCheckin>({
    name: 'find-checkin',
    text: `SELECT ${RECORD_COLUMNS} FROM checkins c WHERE c.event_id = $1 AND c.ticket_id = $2`,
    values: [eventId, ticketId],
  });
  return rows[0] && recordOf(rows[0]);
}

export interface StoredKey {
  requestHash: string;
  checkinId: string;
  eventId: string;
  ticketId: string;
}

/**
 * The unexpired idempotency key `key` of `owner`: the account's uid, never its username (issue 15,
 * item 15: a name registered again is another account, which must not replay the old one's keys).
 * Keys stored under a username before this expire unused within IDEMPOTENCY_TTL_HOURS.
 */
export async function findIdempotencyKey(
  db: pg.Pool,
  owner: string,
  key: string,
  ttlSeconds: number,
): Promise<StoredKey | undefined> {
  const { rows } = await db.query<StoredKey>({
    name: 'find-idempotency-key',
    text: `SELECT request_hash AS "requestHash", checkin_id::text AS "checkinId", event_id AS "eventId",
             ticket_id AS "ticketId"
           FROM idempotency_keys
           WHERE owner = $1 AND key = $2 AND created_at >= now() - make_interval(secs => $3::double precision)`,
    values: [owner, key, ttlSeconds],
  });
  return rows[0];
}

/** Deletes expired idempotency keys, a bounded batch at a time; returns how many went. */
export async function deleteExpiredKeys(db: pg.Pool, ttlSeconds: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys
         WHERE created_at < now() - make_interval(secs => $1::double precision) LIMIT $2)`,
      [ttlSeconds, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}

/** The number of check-ins of an event, from its counter shards (no scan of the check-ins). */
export async function countCheckins(db: pg.Pool | pg.PoolClient, eventId: string): Promise<number> {
  const { rows } = await db.query<{ total: string }>({
    name: 'count-checkins',
    text: 'SELECT coalesce(sum(n), 0)::int8 AS total FROM event_checkin_counts WHERE event_id = $1',
    values: [eventId],
  });
  return Number(rows[0]?.total ?? 0);
}

export type CheckinRow = StoredCheckin & {
  /** Position in the event's list (insertion order); the keyset cursor. */
  seq: string;
};

/** The wire record of a row (drops the position). */
export const toRecord: (row: CheckinRow) => CheckinRecord = recordOf;

export interface CheckinSlice {
  /** All check-ins of the event, counted in the same snapshot as `rows`. */
  total: number;
  /** Check-ins after `afterSeq`, oldest first. */
  rows: CheckinRow[];
}

/**
 * Check-ins of an event after position `afterSeq` (keyset, never OFFSET), at most `limit`
 * (null: all), with the event's total count read in the same snapshot.
 */
export async function readCheckinSlice(
  db: pg.Pool,
  eventId: string,
  afterSeq: string,
  limit: number | null,
): Promise<CheckinSlice> {
  const { rows } = await db.query<Omit<CheckinRow, 'seq'> & { total: string; seq: string | null }>({
    name: 'checkin-slice',
    text: `SELECT t.total, c.* FROM
             (SELECT coalesce(sum(n), 0)::int8 AS total FROM event_checkin_counts WHERE event_id = $1) t
           LEFT JOIN LATERAL (
             SELECT c.seq, ${RECORD_COLUMNS} FROM checkins c
             WHERE c.event_id = $1 AND c.seq > $2::int8 ORDER BY c.seq LIMIT $3
           ) c ON true
           ORDER BY c.seq`,
    values: [eventId, afterSeq, limit],
  });
  const total = Number(rows[0]?.total ?? 0);
  // The outer join yields one all-null row when there is nothing after afterSeq.
  if (rows[0]?.seq === null) return { total, rows: [] };
  return { total, rows: rows as CheckinRow[] };
}

/** A page of the check-ins made by the account `byUid` (optionally at one event), oldest first. */
export async function readCheckinsBy(
  db: pg.Pool,
  byUid: string,
  eventId: string | null,
  afterSeq: string,
  limit: number | null,
): Promise<CheckinRow[]> {
  const { rows } = await db.query<CheckinRow>({
    name: 'checkins-by',
    text: `SELECT c.seq, ${RECORD_COLUMNS} FROM checkins c
           WHERE c.checked_in_by_uid = $1 AND ($2::text IS NULL OR c.event_id = $2) AND c.seq > $3::int8
           ORDER BY c.seq LIMIT $4`,
    values: [byUid, eventId, afterSeq, limit],
  });
  return rows;
}

/**
 * A CSV export row (spec: the event page's CSV export): the check-in with its ticket's holder, in
 * the columns of ATTENDANCE_CSV_COLUMNS (scanned_at null, an empty cell, when the scan gave none).
 */
export interface CheckinExportRow {
  ticket_id: string;
  holder_name: string | null;
  checked_in_at: string;
  scanned_at: string | null;
  checked_in_by: string;
  location: string | null;
  checkin_id: string;
}

const SNAPSHOT_QUERIES = {
  records: `SELECT ${RECORD_COLUMNS} FROM checkins c WHERE c.event_id = $1 ORDER BY c.seq`,
  export: `SELECT c.ticket_id, t.holder_name, iso_utc(c.checked_in_at) AS checked_in_at,
             iso_utc(c.scanned_at) AS scanned_at, c.checked_in_by, c.location, c.checkin_id::text AS checkin_id
           FROM checkins c
           LEFT JOIN tickets t ON t.event_id = c.event_id AND t.ticket_id = c.ticket_id
           WHERE c.event_id = $1 ORDER BY c.seq`,
} as const;

interface SnapshotRows {
  records: StoredCheckin;
  export: CheckinExportRow;
}

/** Every check-in of an event, oldest first, read in batches from one snapshot that also counted them. */
export interface CheckinSnapshot<Row> {
  /** The event's check-ins, counted in the snapshot the rows come from. */
  total: number;
  /** The next rows (at most `count`); empty at the end. */
  read(count: number): Promise<Row[]>;
  /** Ends the snapshot and gives its connection back (with an error: the connection is dropped). Idempotent. */
  close(error?: Error): Promise<void>;
}

/**
 * Opens a read-only REPEATABLE READ transaction on a connection of its own: the count and every
 * row come from one snapshot, whatever commits meanwhile, and the rows are read with a cursor
 * (pg-cursor, node-postgres' own), so a list of any length costs one batch of memory. The
 * connection is held until close(): callers bound how many snapshots are open at once.
 */
export async function openCheckinSnapshot<K extends keyof SnapshotRows>(
  db: pg.Pool,
  eventId: string,
  kind: K,
): Promise<CheckinSnapshot<SnapshotRows[K]>> {
  const client = await db.connect();
  let total: number;
  let cursor: Cursor<SnapshotRows[K]>;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    total = await countCheckins(client, eventId);
    cursor = client.query(new Cursor<SnapshotRows[K]>(SNAPSHOT_QUERIES[kind], [eventId]));
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    total,
    read: (count) => cursor.read(count),
    close(error) {
      closing ??= (async () => {
        if (error) return client.release(error);
        try {
          await cursor.close();
          await client.query('COMMIT');
          client.release();
        } catch (failure) {
          client.release(failure as Error);
        }
      })();
      return closing;
    },
  };
}
