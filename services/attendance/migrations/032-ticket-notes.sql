-- Attention tickets (issue 17 item 9): a note for the gate ("check ID", "VIP: call a supervisor") that stops the
-- station until the gate confirms it has been seen to. Null: a ticket like any other.
ALTER TABLE tickets ADD COLUMN note text;
