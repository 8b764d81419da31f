// An event's statistics and its searchable check-in list in SQL: counted and paged by PostgreSQL, never by shipping every row.
import type { EventCheckin, GateCount, TimelineBucket } from '@tixgo/contracts';
import type pg from 'pg';
import { withBitmapScans } from '../attendance-database.js';
import type { Registrations } from '../events/registration-stats.js';
import { containsPattern } from '../like-pattern.js';
import { RECORD_COLUMNS } from './checkins-repository.js';

/** Buckets start at whole multiples of their width counted from here (so 5-minute buckets nest in 15 and 60). */
const BUCKET_ORIGIN = "timestamptz '2000-01-01 00:00:00+00'";

/** A check-in row of the event page: the wire record, its holder, and its position (the cursor). */
export interface EventCheckinRow extends EventCheckin {
  seq: string;
}

export interface EventStatsRow extends Registrations {
  /** Every check-in of the event, from its counter shards (int8 as text). */
  checked_in: string;
  timeline: TimelineBucket[];
  gates: GateCount[];
  latest: EventCheckin[];
}

/** The holder of a check-in's ticket: a primary-key probe per row shown. */
const HOLDER_JOIN = `LEFT JOIN LATERAL (
    SELECT t.holder_name FROM tickets t WHERE t.event_id = c.event_id AND t.ticket_id = c.ticket_id
  ) t ON true`;

const EVENT_CHECKIN_JSON = `json_build_object('event_id', c.event_id, 'ticket_id', c.ticket_id,
  'checked_in_by', c.checked_in_by, 'checked_in_at', iso_utc(c.checked_in_at), 'checkin_id', c.checkin_id::text,
  'location', c.location, 'holder_name', t.holder_name)`;

/**
 * The event's registrations, its check-in count, its check-ins per `bucketMinutes` bucket and per
 * location, and its `latest` newest check-ins, in ONE statement (one snapshot: the gates add up to
 * the count). Undefined when the event was never registered.
 *
 * `per_bin` is a single index-only scan of the event's entries in checkins_event_location_seq_idx
 * (location and checked_in_at are both in the index), grouped by (location, bucket); the timeline
 * and the gates are sums over its few rows. Measured at 100,000 check-ins on the 2-core box: see
 * BENCHMARKS.md (event statistics).
 */
export async function readEventStats(
  db: pg.Pool,
  eventId: string,
  bucketMinutes: number,
  latest: number,
): Promise<EventStatsRow | undefined> {
  const { rows } = await db.query<EventStatsRow>({
    name: 'event-stats',
    text: `WITH per_bin AS MATERIALIZED (
             SELECT c.location, date_bin(make_interval(mins => $2::int), c.checked_in_at, ${BUCKET_ORIGIN}) AS bin,
                    count(*) AS n
             FROM checkins c WHERE c.event_id = $1
             GROUP BY 1, 2
           )
           SELECT e.ticket_count, e.capacity,
             (SELECT coalesce(sum(k.n), 0)::int8 FROM event_checkin_counts k WHERE k.event_id = $1) AS checked_in,
             (SELECT coalesce(json_agg(json_build_object('start', iso_utc(b.bin), 'count', b.n) ORDER BY b.bin), '[]')
                FROM (SELECT bin, sum(n)::int8 AS n FROM per_bin GROUP BY bin) b) AS timeline,
             (SELECT coalesce(json_agg(json_build_object('location', g.location, 'count', g.n)
                                       ORDER BY g.n DESC, g.location NULLS LAST), '[]')
                FROM (SELECT location, sum(n)::int8 AS n FROM per_bin GROUP BY location) g) AS gates,
             (SELECT coalesce(json_agg(${EVENT_CHECKIN_JSON} ORDER BY c.seq DESC), '[]')
                FROM (SELECT * FROM checkins c WHERE c.event_id = $1 ORDER BY c.seq DESC LIMIT $3) c
                ${HOLDER_JOIN}) AS latest
           FROM events e WHERE e.id = $1`,
    values: [eventId, bucketMinutes, latest],
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
 * A page of an event's check-ins, newest first, before position `beforeSeq` (keyset, never OFFSET).
 *
 * Without a search, a backward range scan: of (event_id, seq), or of (event_id, location, seq) for
 * one gate. With one, the tickets matching the pattern come from the trigram index
 * (tickets_search_idx), and their check-ins by primary key; the page is the newest of those. An event
 * without issued tickets has no names to search: its check-ins' codes are read from the primary key
 * (an index-only scan bounded by the event's check-ins). Each shape is its own statement, so each has
 * one plan that fits it.
 */
export async function readEventCheckins(
  db: pg.Pool,
  eventId: string,
  filter: CheckinListFilter,
): Promise<EventCheckinRow[]> {
  const { search, gate, beforeSeq, limit } = filter;
  const pattern = search === undefined ? undefined : containsPattern(search);
  const shape = `${pattern === undefined ? 'all' : 'search'}-${gate === undefined ? 'any' : 'gate'}`;
  if (pattern === undefined) {
    const { rows } = await db.query<EventCheckinRow>({
      name: `event-checkins-${shape}`,
      text: `SELECT c.seq, ${RECORD_COLUMNS}, t.holder_name
             FROM checkins c ${HOLDER_JOIN}
             WHERE c.event_id = $1 AND c.seq < $2::int8 ${gateCondition(gate, '$4')}
             ORDER BY c.seq DESC LIMIT $3`,
      values: gate === undefined ? [eventId, beforeSeq, limit] : [eventId, beforeSeq, limit, gate],
    });
    return rows;
  }
  return withBitmapScans(db, async (client) => {
    const { rows } = await client.query<EventCheckinRow>({
      name: `event-checkins-${shape}`,
      text: `WITH matched AS MATERIALIZED (
               SELECT t.ticket_id, t.holder_name FROM tickets t
               WHERE t.event_id = $1 AND (t.ticket_id ILIKE $4 OR t.holder_name ILIKE $4)
               UNION ALL
               SELECT c.ticket_id, NULL FROM checkins c
               WHERE c.event_id = $1 AND c.ticket_id ILIKE $4
                 AND (SELECT e.ticket_count FROM events e WHERE e.id = $1) = 0
             )
             SELECT c.seq, ${RECORD_COLUMNS}, m.holder_name
             FROM matched m
             JOIN LATERAL (SELECT * FROM checkins c WHERE c.event_id = $1 AND c.ticket_id = m.ticket_id) c ON true
             WHERE c.seq < $2::int8 ${gateCondition(gate, '$5')}
             ORDER BY c.seq DESC LIMIT $3`,
      values: gate === undefined ? [eventId, beforeSeq, limit, pattern] : [eventId, beforeSeq, limit, pattern, gate],
    });
    return rows;
  });
}
