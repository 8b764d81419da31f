-- Keys a gateway (the portal) made for a caller that sent none start with 'gw:' (issue 18, item 5).
-- Such a row is kept until the portal says its answer was delivered (POST /checkins/delivered). A
-- key-less retry of the same scan that reaches another portal after the first one died meets its
-- own check-in as "already checked in"; finding the first portal's undelivered key for that very
-- check-in, by that very account, it is answered 201 as the first request was. Partial: only the
-- few undelivered gateway keys are in it, so client-made keys (the station's) cost nothing more.
CREATE INDEX IF NOT EXISTS idempotency_keys_gateway_idx
  ON idempotency_keys (owner, checkin_id) WHERE key LIKE 'gw:%';
