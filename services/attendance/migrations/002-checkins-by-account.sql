-- Which account scanned each check-in (issue 10): the token's uid, beside the compat username.
--
-- A username deleted and registered again belongs to another account (another uid), which must
-- not see the old account's check-ins in "my check-ins". Rows written before this migration
-- have no uid: they stay in every attendance list, but no account's "my check-ins" shows them,
-- since attendance cannot tell which account of that name made them.
ALTER TABLE checkins ADD COLUMN checked_in_by_uid uuid;

-- "My check-ins" is looked up by account now. The index replaces the one by username (one index
-- either way, so the check-in insert maintains no more than before).
CREATE INDEX checkins_by_uid_seq_idx ON checkins (checked_in_by_uid, seq);
DROP INDEX checkins_by_seq_idx;
