-- Workspace API keys for server-to-server callers. Only the SHA-256 of a
-- key is stored; authentication finds the key by that hash through the
-- unique index, in one lookup. A revoked key stays listed, with revoked_at.

CREATE TABLE api_keys (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);
