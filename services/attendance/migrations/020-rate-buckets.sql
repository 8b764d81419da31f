-- Check-in rate limits shared by every attendance replica (issue 18): one token bucket per
-- (limit, key) row, so a user's budget means the same with one replica or five.
--
-- UNLOGGED: a bucket is a few bytes updated on every check-in; writing it to the WAL would cost
-- as much as the check-in itself. After a crash PostgreSQL empties the table, which only forgives
-- callers their current debt (every bucket starts full again): acceptable for a rate limit.
CREATE UNLOGGED TABLE IF NOT EXISTS rate_buckets (
  limit_name text NOT NULL,
  key text NOT NULL,
  -- Tokens left when last counted (fractional: the bucket refills continuously).
  tokens double precision NOT NULL,
  -- Tokens the last statement granted of what it asked (read back by that statement only).
  granted integer NOT NULL,
  counted_at timestamptz NOT NULL,
  PRIMARY KEY (limit_name, key)
);

-- Full buckets are the same as none: the cleanup deletes rows not touched for a while.
CREATE INDEX IF NOT EXISTS rate_buckets_counted_at_idx ON rate_buckets (counted_at);
