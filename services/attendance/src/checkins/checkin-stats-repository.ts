// An event's statistics and its searchable check-in list in SQL: counted and paged by PostgreSQL, never by shipping every row.
import type { EventCheckin } from '@tixgo/contracts';
import type pg from 'pg';
import { withBitmapScans } from '../attendance-database.js';
import type { Registrations } from '../events/registration-stats.js';
import { containsPattern } from '../like-pattern.js';
import { RECORD_COLUMNS, type StoredCheckin } from './checkins-repository.js';

/** Buckets start at whole multiples of their width counted from here (so 5-minute buckets nest in 15 and 60). */
export const BUCKET_ORIGIN_MS = Date.UTC(2000, 0, 1);

/** A list other than main in the stats (issue 16). */
export interface ListCount {
  id: string;
  name: string;
  capacity: number | null;
  checked_in: number;
  inside: number;
}

/** A row of the list: the stored check-in (scanned_at null when the scan gave none), its holder and position. */
export interface EventCheckinRow extends StoredCheckin {
  holder_name: string | null;
  seq: string;
}

/** Check-ins of one location in one minute (minutes nest in the 5, 15 and 60-minute buckets and measure lanes). */
export interface BinCount {
  /** True for check-ins at or before `settle_to`: counted once for all (see event-stats-cache.ts). */
  settles: boolean;
  location: string | null;
  /** Start of the minute, in ms since the epoch. */
  bin: number;
  n: number;
}

export interface StatsDeltaRow extends Registrations {
  /** Every check-in of the event, from its counter shards (int8 as text). */
  checked_in: string;
  /** The event's conflicts (int8 as text). */
  conflicts: string;
  /** Exits through the list main (int8 as text): inside = checked_in - main_exited. */
  main_exited: string;
  /** The lists other than main with their counts. */
  lists: ListCount[];
  /** Exits through the list main per entry gate (a check-in's location): who is inside per gate. */
  exits: { location: string | null; n: number }[];
  /** max(afterSeq, the event's last position - settleMargin). */
  settle_to: string;
  /** The check-ins after `afterSeq`, counted per location and minute. */
  bins: BinCount[];
  /** The event's start, in ms since the epoch (int8 as text), or null. */
  starts_at: string | null;
  /** The newest check-ins: scanned_at null when the scan gave none (see recordOf). */
  latest: (Omit<EventCheckin, 'scanned_at'> & { scanned_at: string | null })[];
}

/** The holder of a check-in's ticket: a primary-key probe per row shown. */
const HOLDER_JOIN = `LEFT JOIN LATERAL (
    SELECT t.holder_name FROM tickets t WHERE t.event_id = c.event_id AND t.ticket_id = c.ticket_id
  ) t ON true`;

const EVENT_CHECKIN_JSON = `json_build_object('event_id', c.event_id, 'ticket_id', c.ticket_id,
  'checked_in_by', c.checked_in_by, 'checked_in_at', iso_utc(c.checked_in_at), 'checkin_id', c.checkin_id::text,
  'location', c.location, 'scanned_at', iso_utc(c.scanned_at), 'holder_name', t.holder_name)`;

/**
 * In ONE statement (one snapshot: the counts add up to the counter): the event's registrations, its
 * check-in count, its start, the check-ins after position `afterSeq` counted per location and minute,
 * split at `settle_to` (the event's last position less `settleMargin`), its `latest` newest
 * check-ins and its conflict count. The rows after `afterSeq` come from a range of
 * checkins_event_seq_idx, so the cost follows the check-ins since the last read, not the size of the
 * event. A check-in's bucket is the time the person was at the gate: the device's scan time where it
 * gave one (an offline gate's queue uploaded at 11:00 belongs at 10:31), else the time of receipt.
 * Positions stay the order of arrival, so a late upload still lands after the settled position and
 * is counted like any new check-in. The conflicts are counted from checkin_conflicts_event_idx (an
 * index-only count of a table that holds only the scans that went wrong), the exits per entry gate from
 * checkins_exited_idx (a partial index of the exits only). Undefined when the event
 * was never registered.
 */
export async function readStatsDelta(
  db: pg.Pool,
  eventId: string,
  afterSeq: string,
  settleMargin: number,
  latest: number,
): Promise<StatsDeltaRow | undefined> {
  const { rows } = await db.query<StatsDeltaRow>({
    name: 'event-stats-delta',
    text: `WITH horizon AS (
             SELECT greatest($2::int8,
                      coalesce((SELECT max(c.seq) FROM checkins c WHERE c.event_id = $1), 0) - $3::int8) AS settle_to
           ),
           delta AS MATERIALIZED (
             SELECT c.seq <= (SELECT h.settle_to FROM horizon h) AS settles, c.location,
                    date_bin(interval '1 minute', coalesce(c.scanned_at, c.checked_in_at),
                             timestamptz '2000-01-01 00:00:00+00') AS bin,
                    count(*) AS n
             FROM checkins c WHERE c.event_id = $1 AND c.seq > $2::int8
             GROUP BY 1, 2, 3
           )
           SELECT e.ticket_count, e.capacity, (extract(epoch FROM e.start_time) * 1000)::int8::text AS starts_at,
             (SELECT coalesce(sum(k.n), 0)::int8 FROM event_checkin_counts k WHERE k.event_id = $1) AS checked_in,
             (SELECT count(*)::int8 FROM checkin_conflicts k WHERE k.event_id = $1) AS conflicts,
             (SELECT coalesce(sum(k.exited), 0)::int8 FROM list_counts k WHERE k.event_id = $1 AND k.list_id = 'main')
               AS main_exited,
             (SELECT coalesce(json_agg(json_build_object('id', l.list_id, 'name', l.name, 'capacity', l.capacity,
                       'checked_in', coalesce(k.admitted, 0), 'inside', coalesce(k.inside, 0))
                       ORDER BY l.created_at, l.list_id), '[]')
                FROM checkin_lists l LEFT JOIN list_counts k ON k.event_id = l.event_id AND k.list_id = l.list_id
                WHERE l.event_id = $1) AS lists,
             (SELECT coalesce(json_agg(json_build_object('location', x.location, 'n', x.n)), '[]')
                FROM (SELECT c.location, count(*) AS n FROM checkins c
                      WHERE c.event_id = $1 AND c.exited_at IS NOT NULL GROUP BY c.location) x) AS exits,
             (SELECT h.settle_to::text FROM horizon h) AS settle_to,
             (SELECT coalesce(json_agg(json_build_object('settles', d.settles, 'location', d.location,
                       'bin', (extract(epoch FROM d.bin) * 1000)::int8, 'n', d.n)), '[]')
                FROM delta d) AS bins,
             (SELECT coalesce(json_agg(${EVENT_CHECKIN_JSON} ORDER BY c.seq DESC), '[]')
                FROM (SELECT * FROM checkins c WHERE c.event_id = $1 ORDER BY c.seq DESC LIMIT $4) c
                ${HOLDER_JOIN}) AS latest
           FROM events e WHERE e.id = $1`,
    values: [eventId, afterSeq, settleMargin, latest],
  });
  return rows[0];
}

export interface CheckinListFilter {
  /** Text to find in ticket codes and holder names (case-insensitive substring). */
  search: string | undefined;
  /** Only check-ins at exactly this location. */
  gate: string | undefined;
  /** Check-ins before this position (keyset, newest first). */
  beforeSeq: string;
  limit: number;
}

const gateCondition = (gate: string | undefined, parameter: string) =>
  gate === undefined ? '' : `AND c.location = ${parameter}`;

/**
 * Matching tickets past which a search walks the event's check-ins newest first instead of joining
 * every match to its check-in. With that many matches, about one check-in in (tickets / matches)
 * matches, so a page turns up within a few thousand rows; joined, each match costs a probe and the
 * newest must then be sorted out (measured at 100k: a name 1 in 8 holders share, 12,500 matches,
 * p50 100 ms joined).
 */
export const SEARCH_WALK_THRESHOLD = 1000;

/**
 * A page of an event's check-ins, newest first, before position `beforeSeq` (keyset, never OFFSET).
 *
 * Without a search, a backward range scan: of (event_id, seq), or of (event_id, location, seq) for
 * one gate. With one, the tickets matching it come from the trigram index (tickets_search_idx). Up
 * to `walkThreshold` of them, their check-ins are read by primary key and the page is the newest of
 * those; past it, the event's check-ins are walked newest first and matched one by one (the same
 * range scans as without a search), which finds a page quickly exactly when matches are common. An
 * event without issued tickets has no names to search: its check-ins' codes are read from the
 * primary key (an index-only scan bounded by the event's check-ins). Each shape is its own
 * statement, so each has one plan that fits it.
 */
export async function readEventCheckins(
  db: pg.Pool,
  eventId: string,
  filter: CheckinListFilter,
  walkThreshold = SEARCH_WALK_THRESHOLD,
): Promise<EventCheckinRow[]> {
  const { search, gate, beforeSeq, limit } = filter;
  const atGate = gate === undefined ? 'any' : 'gate';
  const range = (values: unknown[]) => (gate === undefined ? values : [...values, gate]);
  if (search === undefined) {
    const { rows } = await db.query<EventCheckinRow>({
      name: `event-checkins-all-${atGate}`,
      text: `SELECT c.seq, ${RECORD_COLUMNS}, t.holder_name
             FROM checkins c ${HOLDER_JOIN}
             WHERE c.event_id = $1 AND c.seq < $2::int8 ${gateCondition(gate, '$4')}
             ORDER BY c.seq DESC LIMIT $3`,
      values: range([eventId, beforeSeq, limit]),
    });
    return rows;
  }
  const pattern = containsPattern(search);
  // Only this statement reads the trigram index, so only it runs where bitmap scans are allowed: the
  // walk below must stay a newest-first index scan that stops at the page, which a bitmap scan
  // (chosen once, for a generic plan, while an event's statistics still said it was small) is not.
  // MATERIALIZED: planned without the LIMIT, so through the trigram index (not a walk of the primary
  // key that a small LIMIT would make look cheap); rows are still pulled only up to it.
  const { rows: matches } = await withBitmapScans(db, (client) =>
    client.query<{ ticket_id: string; holder_name: string | null }>({
      name: 'event-checkins-matches',
      text: `WITH m AS MATERIALIZED (
               SELECT t.ticket_id, t.holder_name FROM tickets t
               WHERE t.event_id = $1 AND (t.ticket_id ILIKE $2 OR t.holder_name ILIKE $2)
             )
             SELECT * FROM m LIMIT $3`,
      values: [eventId, pattern, walkThreshold + 1],
    }),
  );
  if (matches.length > walkThreshold) {
    const { rows } = await db.query<EventCheckinRow>({
      name: `event-checkins-walk-${atGate}`,
      text: `SELECT c.seq, ${RECORD_COLUMNS}, t.holder_name
             FROM checkins c ${HOLDER_JOIN}
             WHERE c.event_id = $1 AND c.seq < $2::int8 ${gateCondition(gate, '$5')}
               AND (c.ticket_id ILIKE $4 OR t.holder_name ILIKE $4)
             ORDER BY c.seq DESC LIMIT $3`,
      values: range([eventId, beforeSeq, limit, pattern]),
    });
    return rows;
  }
  // LIMIT 1 keeps each match's check-in a primary-key probe: without it the planner may turn the
  // join around and walk the whole event against the matches (seen with stale statistics: 40 ms).
  const { rows } = await db.query<EventCheckinRow>({
    name: `event-checkins-matched-${atGate}`,
    text: `WITH matched AS MATERIALIZED (
             SELECT * FROM unnest($4::text[], $5::text[]) AS m(ticket_id, holder_name)
             UNION ALL
             SELECT c.ticket_id, NULL FROM checkins c
             WHERE c.event_id = $1 AND c.ticket_id ILIKE $6
               AND (SELECT e.ticket_count FROM events e WHERE e.id = $1) = 0
           )
           SELECT c.seq, ${RECORD_COLUMNS}, m.holder_name
           FROM matched m
           JOIN LATERAL (
             SELECT * FROM checkins c WHERE c.event_id = $1 AND c.ticket_id = m.ticket_id LIMIT 1
           ) c ON true
           WHERE c.seq < $2::int8 ${gateCondition(gate, '$7')}
           ORDER BY c.seq DESC LIMIT $3`,
    values: range([
      eventId,
      beforeSeq,
      limit,
      matches.map((match) => match.ticket_id),
      matches.map((match) => match.holder_name),
      pattern,
    ]),
  });
  return rows;
}
