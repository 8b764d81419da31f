-- When each gate device first and last downloaded its copy of an event's tickets (issue 15 item 12): an offline scan
-- cannot have happened before its device had the list, so an earlier scan time is moved to the first download.
CREATE TABLE device_downloads (
  event_id  text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  device_id text NOT NULL,
  first_at  timestamptz NOT NULL DEFAULT now(),
  last_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, device_id)
);

-- A scan whose device time was before its device's first download: the time the device gave, beside the one kept.
CREATE TABLE scan_time_clamps (
  event_id          text NOT NULL,
  ticket_id         text NOT NULL,
  device_id         text NOT NULL,
  by                text NOT NULL,
  device_scanned_at timestamptz NOT NULL,
  scanned_at        timestamptz NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, ticket_id, device_id, device_scanned_at)
);
CREATE INDEX scan_time_clamps_scan_idx ON scan_time_clamps (event_id, ticket_id, scanned_at);
