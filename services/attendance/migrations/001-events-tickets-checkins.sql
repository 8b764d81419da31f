-- Events, issued tickets, check-ins, per-event check-in counters and idempotency keys (spec: attendance).

-- ISO-8601 UTC with milliseconds, the same text as JavaScript's Date.toISOString(), so an
-- answer built from SQL and one built in Node never differ.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE TABLE events (
  id           text PRIMARY KEY,
  title        text NOT NULL,
  description  text,
  location     text,
  start_time   timestamptz,
  end_time     timestamptz,
  capacity     integer CHECK (capacity >= 0),
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Maintained by the transaction that issues tickets, so "has this event issued tickets?"
  -- and the summary's total_registered never count rows.
  ticket_count integer NOT NULL DEFAULT 0 CHECK (ticket_count >= 0)
);

-- No foreign key to events: issuing locks the event row itself, and deleting an event
-- deletes its tickets explicitly (a per-row FK check would slow 100k-ticket imports).
CREATE TABLE tickets (
  event_id     text NOT NULL,
  ticket_id    text NOT NULL,
  holder_name  text,
  holder_email text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, ticket_id)
);

-- Check-ins are append-only. The primary key is the exactly-once rule: a ticket is checked in
-- at most once per event, whatever the number of gates or replicas. No foreign key to events:
-- an unregistered event id is accepted ad hoc (compat). `seq` orders lists oldest first and
-- is the keyset-paging cursor.
CREATE TABLE checkins (
  event_id      text NOT NULL,
  ticket_id     text NOT NULL,
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  checkin_id    uuid NOT NULL,
  checked_in_by text NOT NULL,
  checked_in_at timestamptz NOT NULL DEFAULT now(),
  location      text,
  PRIMARY KEY (event_id, ticket_id)
);
CREATE INDEX checkins_event_seq_idx ON checkins (event_id, seq);
CREATE INDEX checkins_by_seq_idx ON checkins (checked_in_by, seq);

-- Check-in counts per event, split over shards so that concurrent check-ins rarely wait on
-- the same row lock: each database connection increments its own shard (its backend pid
-- modulo the shard count). Incremented in the check-in's own statement, so a count is
-- always exactly the number of committed check-ins; the summary sums a handful of rows
-- instead of counting 100k index entries.
CREATE TABLE event_checkin_counts (
  event_id text NOT NULL,
  shard    smallint NOT NULL,
  n        bigint NOT NULL,
  PRIMARY KEY (event_id, shard)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000);

-- Idempotency-Key of a check-in, scoped to the caller (two users may pick the same key).
-- request_hash covers the route and the body; checkin_id is the id the first request
-- generated, so a replay finds "its" check-in. Rows older than the TTL count as absent and
-- are deleted by the service's own periodic cleanup.
CREATE TABLE idempotency_keys (
  owner        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  checkin_id   uuid NOT NULL,
  event_id     text NOT NULL,
  ticket_id    text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
