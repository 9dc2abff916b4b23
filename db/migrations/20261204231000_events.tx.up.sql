-- The outbox of change events: every mutation writes one row per record
-- it changed, in its own transaction, so an event exists exactly when its
-- change was committed. The change feed, each record's history and the
-- webhook deliveries read it.

CREATE TABLE events (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- evt_ followed by a ULID: its time is when the event was written.
    id text NOT NULL,
    type text NOT NULL,
    record_id text NOT NULL,
    external_id text,
    version integer,
    -- [{"field": …, "old": …, "new": …}] for the fields that changed.
    changes jsonb NOT NULL DEFAULT '[]',
    -- The token's subject or the API key's id that made the change.
    actor text NOT NULL,
    request_id text,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- The id of the transaction that wrote the event: the feed's order.
    -- Transactions commit in another order than they take ids, so the feed
    -- shows only the events of transactions older than the oldest one
    -- still running (pg_snapshot_xmin), which can no longer gain an event
    -- below a cursor it handed out (events/feed.go).
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (workspace_id, id)
);

-- The feed, oldest first, and a record's history, newest first.
CREATE INDEX events_feed ON events (workspace_id, txid, id);
CREATE INDEX events_record ON events (workspace_id, record_id, txid, id);
-- Pruning past the retention, across workspaces.
CREATE INDEX events_occurred_at ON events (occurred_at);

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON events
    USING (workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::uuid)
    WITH CHECK (workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::uuid);
-- The pruner deletes the events of every workspace past the retention,
-- which app.event_retention names (as an interval).
CREATE POLICY prune_expired ON events FOR SELECT
    USING (occurred_at < now() - NULLIF(current_setting('app.event_retention', true), '')::interval);
CREATE POLICY prune_expired_delete ON events FOR DELETE
    USING (occurred_at < now() - NULLIF(current_setting('app.event_retention', true), '')::interval);
GRANT SELECT, INSERT, DELETE ON events TO contacts_api;
