-- Tickets sent to their holders by e-mail (issue 17 item 14): one mailing per admin's request, one row
-- per address with its own result, so the progress and every address's outcome survive a restart and
-- any replica answers for them. A mailing left unfinished by a stopped process is taken up again.
CREATE TABLE ticket_mailings (
  mailing_id   uuid PRIMARY KEY,
  event_id     text NOT NULL,
  requested_by text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX ticket_mailings_by_event ON ticket_mailings (event_id, created_at DESC);

CREATE TABLE ticket_mailing_items (
  mailing_id uuid NOT NULL REFERENCES ticket_mailings ON DELETE CASCADE,
  ticket_id  text NOT NULL,
  email      text NOT NULL,
  -- waiting, sending (claimed by a process at claimed_at), sent or failed
  status     text NOT NULL DEFAULT 'waiting',
  claimed_at timestamptz,
  error      text,
  sent_at    timestamptz,
  PRIMARY KEY (mailing_id, ticket_id)
);
CREATE INDEX ticket_mailing_items_waiting ON ticket_mailing_items (mailing_id) WHERE status IN ('waiting', 'sending');
