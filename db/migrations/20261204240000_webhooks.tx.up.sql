-- Webhook endpoints and their deliveries. Every event written for a
-- workspace with endpoints that take its type gets one delivery per
-- endpoint, in the statement that writes the event; a relay hands the new
-- deliveries to the job queue (River, whose own tables the migrate command
-- creates beside these), and its workers send them.

CREATE TABLE webhook_endpoints (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    url text NOT NULL,
    -- The event types the endpoint receives; all types when empty.
    event_types text[] NOT NULL DEFAULT '{}',
    description text NOT NULL DEFAULT '',
    -- whsec_…: the server signs with it, so it keeps it.
    secret text NOT NULL,
    -- After a rotation the old secret signs too, until it expires.
    previous_secret text,
    previous_secret_expires_at timestamptz,
    disabled_at timestamptz,
    disabled_reason text,
    -- When the endpoint's unbroken run of failures began.
    failing_since timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE webhook_deliveries (
    workspace_id uuid NOT NULL,
    id text NOT NULL,
    endpoint_id text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    -- pending, succeeded, or failed once every retry failed.
    status text NOT NULL DEFAULT 'pending',
    -- Whether the relay handed it to the job queue.
    enqueued boolean NOT NULL DEFAULT false,
    attempts integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    status_code integer,
    duration_ms integer,
    -- The first KiB of the last answer's body.
    response text,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, endpoint_id) REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (workspace_id, endpoint_id, created_at, id);
-- The relay's queue: the deliveries not yet handed over.
CREATE INDEX webhook_deliveries_to_enqueue ON webhook_deliveries (created_at) WHERE NOT enqueued;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_deliveries']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY workspace_rows ON %I
                            USING (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)
                            WITH CHECK (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO contacts_api', t);
    END LOOP;
END
$$;

-- The relay sees and marks the deliveries of every workspace that wait
-- for the queue, and nothing else.
CREATE POLICY relay_pending ON webhook_deliveries FOR SELECT
    USING (current_setting('app.webhook_relay', true) = 'on' AND NOT enqueued);
CREATE POLICY relay_mark ON webhook_deliveries FOR UPDATE
    USING (current_setting('app.webhook_relay', true) = 'on' AND NOT enqueued)
    WITH CHECK (current_setting('app.webhook_relay', true) = 'on');
