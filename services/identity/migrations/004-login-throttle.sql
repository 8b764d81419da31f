-- Login throttling kept where every identity process sees it (issue 18): failures per username and
-- client with their lockouts, failures per username across clients, and the fixed windows of the
-- per-address attempt limit. Per process, each identity replica added its own budget and a restart
-- forgot every lockout. Rows older than their window are purged by identity itself.
CREATE TABLE login_failures (
  username        text NOT NULL,
  client          text NOT NULL,
  failures        integer NOT NULL CHECK (failures > 0),
  last_failure_at timestamptz NOT NULL,
  locked_until    timestamptz,
  PRIMARY KEY (username, client)
);
CREATE INDEX login_failures_last_idx ON login_failures (last_failure_at);

CREATE TABLE login_username_failures (
  username     text PRIMARY KEY,
  failures     integer NOT NULL CHECK (failures > 0),
  window_start timestamptz NOT NULL
);

CREATE TABLE rate_windows (
  key          text PRIMARY KEY,
  hits         integer NOT NULL CHECK (hits > 0),
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL
);
CREATE INDEX rate_windows_end_idx ON rate_windows (window_end);
