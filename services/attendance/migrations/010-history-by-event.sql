-- The event's scan history as one export (issue 16): walked by position per event, page by page.
CREATE INDEX scan_history_event_idx ON scan_history (event_id, id);
