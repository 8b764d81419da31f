-- A refresh token's successor, sealed with the token itself (issue 18: a retried renewal).
--
-- A renewal whose answer was lost is retried, often through another portal; the rotated token then
-- comes back once more. Within a short grace after its use it is answered with the same successor
-- instead of being taken for theft. Only the hash of a token is stored, so the successor is kept
-- encrypted (AES-256-GCM) under a key derived from the rotated token: only its holder can read it.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed bytea;
