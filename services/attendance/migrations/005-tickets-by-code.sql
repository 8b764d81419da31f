-- Tickets by code alone, whatever the event (issue 7: the gate's "not for this event" answer).
--
-- A check-in refused with "Ticket not found for this event" looks the code up in the other events'
-- tickets, so the gate can name the event it belongs to. Only that refusal reads this index (the
-- check-in statement probes tickets by its primary key, as before); its cost is one more btree entry
-- per issued ticket, paid by imports, never by a check-in.
CREATE INDEX tickets_ticket_id_idx ON tickets (ticket_id);
