-- Server-to-server sync: merged contacts remember the external ids of the
-- contacts merged into them, so that later upserts by those ids find them;
-- idempotency keys remember the first response to a retried request.

ALTER TABLE contacts ADD COLUMN merged_external_ids text[] NOT NULL DEFAULT '{}';
CREATE INDEX contacts_merged_external_ids_idx ON contacts USING gin (merged_external_ids);

CREATE TABLE idempotency_keys (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    -- status_code is null while the first request is in flight.
    status_code integer,
    content_type text,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
