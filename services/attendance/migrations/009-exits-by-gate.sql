-- Who is inside per gate (issue 16): the stats count the exits of `main` per entry gate from this partial
-- index, so a read costs the exits, never the event's check-ins. A check-in is written with exited_at null,
-- so the check-in path never touches it; only an exit (and its undo) does.
CREATE INDEX checkins_exited_idx ON checkins (event_id, location) WHERE exited_at IS NOT NULL;
