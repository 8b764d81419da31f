-- An event's gates (issue 17 item 8): the names its stations pick from, so "gerbang utara" and
-- "Gerbang Utara" are never two gates in the stats. Null: no list (a station names its gate itself).
ALTER TABLE events ADD COLUMN gates text[];
