-- The gate's rules (issue 16): check-in lists (areas, days) beside the default list `main`, exits and who is
-- inside, ticket types, cancelled tickets, annulled (undone) check-ins and every scan's history.
--
-- The list `main` keeps its compat storage: an admission is its `checkins` row (the primary key is still
-- the exactly-once rule), so the default check-in statement is unchanged but for one more column read in
-- its ticket probe (cancelled). Every other list, every exit and every refusal is written by a short
-- transaction of its own (checkins/gate-scan.ts), off the default path.

-- Lists an admin added; `main` has no row (it is the event itself).
CREATE TABLE checkin_lists (
  event_id     text NOT NULL,
  list_id      text NOT NULL CHECK (list_id <> 'main'),
  name         text NOT NULL,
  reentry      boolean NOT NULL DEFAULT false,
  capacity     integer CHECK (capacity >= 0),
  ticket_types text[],
  opens_at     timestamptz,
  closes_at    timestamptz,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, list_id)
);

-- Nullable columns without defaults: adding them rewrites nothing, and an insert that does not name
-- them writes what it wrote before.
ALTER TABLE tickets ADD COLUMN type text, ADD COLUMN cancelled_at timestamptz, ADD COLUMN cancelled_by text,
  ADD COLUMN cancel_reason text;
-- An exit through the list `main` (its admission is the row itself).
ALTER TABLE checkins ADD COLUMN exited_at timestamptz;

-- A ticket's state on a list other than `main`: admissions that count, and whether it is inside now.
CREATE TABLE list_passes (
  event_id        text NOT NULL,
  list_id         text NOT NULL,
  ticket_id       text NOT NULL,
  entries         integer NOT NULL DEFAULT 0 CHECK (entries >= 0),
  is_inside       boolean NOT NULL DEFAULT false,
  last_checkin_id uuid,
  PRIMARY KEY (event_id, list_id, ticket_id)
);

-- Counts per list, kept by the transactions that change them (exact, never a count of rows): for a list
-- other than `main`, tickets admitted and inside now; for `main`, exits only (admitted is the event's
-- check-in counter, inside = admitted - exited: one entry per ticket there).
CREATE TABLE list_counts (
  event_id text NOT NULL,
  list_id  text NOT NULL,
  admitted bigint NOT NULL DEFAULT 0,
  inside   bigint NOT NULL DEFAULT 0,
  exited   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id, list_id)
);

-- Every scan attempt but a plain admission to `main` (that is its checkins row, until annulled: then a
-- copy lands here as an annulled 'entry'), and every annulment and cancellation: who, when (server and
-- device time), gate and device.
CREATE TABLE scan_history (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id    text NOT NULL,
  ticket_id   text NOT NULL,
  list_id     text,
  action      text NOT NULL CHECK (action IN ('entry', 'exit', 'refused', 'annulled', 'cancelled')),
  direction   text CHECK (direction IN ('entry', 'exit')),
  checkin_id  uuid,
  by          text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  scanned_at  timestamptz,
  location    text,
  device_id   text,
  refusal     text,
  detail      text,
  reason      text,
  overridden  boolean NOT NULL DEFAULT false,
  offline     boolean NOT NULL DEFAULT false,
  annulled_at timestamptz,
  annulled_by text
);
CREATE INDEX scan_history_ticket_idx ON scan_history (event_id, ticket_id, id);
CREATE INDEX scan_history_checkin_idx ON scan_history (checkin_id) WHERE checkin_id IS NOT NULL;

-- A scan-path idempotency answer of the gate transaction (its status and body): a repeat replays it.
ALTER TABLE idempotency_keys ADD COLUMN answer jsonb;

-- Conflicts of every rule, on every list, and how a supervisor resolved them ('kept' or 'annulled').
ALTER TABLE checkin_conflicts DROP CONSTRAINT checkin_conflicts_kind_check;
ALTER TABLE checkin_conflicts ADD CONSTRAINT checkin_conflicts_kind_check CHECK (kind IN ('duplicate', 'not-issued',
  'cancelled', 'wrong-type', 'not-open', 'closed', 'already-inside', 'not-inside', 'full'));
ALTER TABLE checkin_conflicts ADD COLUMN list_id text, ADD COLUMN resolution text
  CHECK (resolution IN ('kept', 'annulled'));
