-- Account ids, token versions and the revocation list (issue 10: revocation that takes effect).
--
-- uid: the account's stable random id, signed into every access token. A username deleted and
-- registered again is another account with another uid, so an old token never passes to it.
-- token_version: raised on every role change; tokens signed with an older version are revoked.
ALTER TABLE users
  ADD COLUMN uid uuid NOT NULL DEFAULT gen_random_uuid(),
  ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0);
CREATE UNIQUE INDEX users_uid_key ON users (uid);

-- What every service must refuse, published by GET /auth/revocations: kind 'role' (tokens of
-- account `subject` below version min_ver), 'deleted' (every token of account `subject`) or
-- 'session' (every token of the login `subject`, a refresh-token family). A row is kept only
-- while a token issued before it can still be alive (the token lifetime and a margin), then
-- purged by identity itself.
CREATE TABLE revocations (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('role', 'deleted', 'session')),
  subject    uuid NOT NULL,
  min_ver    integer CHECK ((kind = 'role') = (min_ver IS NOT NULL)),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revocations_created_idx ON revocations (created_at);
