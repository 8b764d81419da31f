-- Attention notes per ticket type (issue 17 item 9): every ticket of the type stops the station with the note; a ticket
-- with its own note shows both. Kept apart from the tickets so that a type may have its note before its tickets.
CREATE TABLE ticket_type_notes (
  event_id text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  type     text NOT NULL,
  note     text NOT NULL,
  PRIMARY KEY (event_id, type)
);
