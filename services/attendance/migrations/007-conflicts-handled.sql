-- A conflict a supervisor has dealt with (issue 17: the event page's conflict list can be marked
-- handled): who and when. Null until then. Nullable columns without defaults rewrite nothing.
ALTER TABLE checkin_conflicts ADD COLUMN handled_at timestamptz, ADD COLUMN handled_by text;
