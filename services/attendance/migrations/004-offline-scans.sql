-- The offline check-in station (issue 8): device scan times, a download position on tickets, and conflicts.

-- When the device scanned the code (it may upload hours later); checked_in_at stays the time
-- attendance received the scan. Nullable without a default: adding it rewrites nothing, and a
-- check-in without one answers exactly as before (compat).
ALTER TABLE checkins ADD COLUMN scanned_at timestamptz;

-- A monotonic position per ticket, so a gate device that downloaded an event's tickets asks for
-- "what was issued since" by keyset. Existing rows are numbered as the column is added. Within one
-- event this is also commit order: issuing locks the event row until it commits, so a later batch
-- draws its numbers only after an earlier one is visible, and a download never skips a ticket.
ALTER TABLE tickets ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX tickets_event_seq_idx ON tickets (event_id, seq);

-- A ticket admitted while a device was offline that the server then could not check in: already
-- checked in by another scan ('duplicate': the first check-in is copied here, as it was), or not
-- issued for the event at all ('not-issued'). The second scan is the uploading one. One row per
-- second scan: a retried upload (same user, same idempotency key, '' without one) finds its row.
CREATE TABLE checkin_conflicts (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id            text NOT NULL,
  ticket_id           text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('duplicate', 'not-issued')),
  first_checkin_id    uuid,
  first_by            text,
  first_location      text,
  first_checked_in_at timestamptz,
  first_scanned_at    timestamptz,
  second_by           text NOT NULL,
  second_location     text,
  second_scanned_at   timestamptz,
  second_received_at  timestamptz NOT NULL DEFAULT now(),
  second_key          text NOT NULL,
  UNIQUE (event_id, ticket_id, second_by, second_key)
);
-- The supervisor's list: an event's conflicts newest first, keyset on id.
CREATE INDEX checkin_conflicts_event_idx ON checkin_conflicts (event_id, id);
