-- An event's time zone (issue 17: exports in the event's local time). Null: the server's own
-- (attendance's EVENT_TIME_ZONE, by default the time zone of the machine it runs on). Adding a
-- nullable column without a default rewrites nothing.
ALTER TABLE events ADD COLUMN time_zone text;
