-- rate_buckets rows are updated on every check-in (a gateway's address: thousands of times a
-- second). Measured with 020's index on counted_at: every update wrote new index entries, so the
-- hot rows bloated and PostgreSQL's CPU per check-in grew from ~100 µs to 360-1,200 µs within two
-- benchmark runs. Without an index on a column that changes, each update is a HOT update (the new
-- version on the same page, no index entry; pruned in place), and free room on each page keeps it
-- so. The cleanup of idle buckets reads the whole (small) table instead.
DROP INDEX IF EXISTS rate_buckets_counted_at_idx;
ALTER TABLE rate_buckets SET (fillfactor = 50);

-- Each row carries its limit's numbers, so that the takes of every limit (per user, per address)
-- made in one turn of the event loop share one statement.
ALTER TABLE rate_buckets ADD COLUMN IF NOT EXISTS burst double precision NOT NULL DEFAULT 1;
ALTER TABLE rate_buckets ADD COLUMN IF NOT EXISTS rate double precision NOT NULL DEFAULT 1;
