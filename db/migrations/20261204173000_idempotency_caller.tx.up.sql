-- An idempotency key belongs to the credential that first used it: its
-- response is replayed to that caller alone. caller is the SHA-256 of the
-- credential's name (auth.Principal.Credential): an API key's id, or a
-- JWT's subject and scopes.
--
-- The records kept before had no owner, and a response of createApiKey
-- among them holds the new key's secret: they stay, so that their retries
-- are refused (IDEMPOTENCY_KEY_REUSED) rather than run twice, but with an
-- owner no caller has and without their responses.
ALTER TABLE idempotency_keys ADD COLUMN caller bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE idempotency_keys ALTER COLUMN caller DROP DEFAULT;
UPDATE idempotency_keys SET response = NULL WHERE response IS NOT NULL;
