-- What writing events cost PostgreSQL, and less of it. pgbench measured
-- 0.4 to 0.6 ms of CPU a write for one event (make bench saw the same per
-- created contact), most of it parsing and planning the INSERT … RETURNING
-- with its deliveries' join under three tables' row-level security: the
-- server sends its statements with their values inlined (the simple
-- protocol), so PostgreSQL planned that statement afresh for every write.
-- insert_events runs the same statement as a PL/pgSQL function, which
-- plans it once per connection; a call is planned in microseconds.
--
-- The function sends the NOTIFY of live subscriptions itself, once per
-- workspace it wrote to, in place of the statement trigger
-- events_notify, which copied every new row into a transition table to
-- find their workspaces. It is the only way the server writes events.
--
-- The foreign key to workspaces checked each event's workspace, locking
-- its row, for every event (10 µs each, a bulk write's 1,000 events
-- 10 ms); the events of a deleted workspace are deleted by a trigger on
-- workspaces instead, as the key's ON DELETE CASCADE did.

CREATE FUNCTION insert_events(
    w uuid[], i text[], t text[], r text[], x text[], v integer[], c jsonb[], a text[], q text[], o timestamptz[],
    -- How a delivery's id is made of its event's id and its endpoint's:
    -- the deliveries' prefix, then each id past its own prefix.
    delivery_prefix text, event_from integer, endpoint_from integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Every event gets a delivery to each enabled endpoint of its
    -- workspace that takes its type.
    WITH ev AS (
        INSERT INTO events (workspace_id, id, type, record_id, external_id, version, changes, actor, request_id, occurred_at)
        SELECT e.w, e.i, e.t, e.r, e.x, e.v, e.c, e.a, e.q, coalesce(e.o, now())
        FROM unnest(w, i, t, r, x, v, c, a, q, o) AS e (w, i, t, r, x, v, c, a, q, o)
        RETURNING workspace_id, id, type)
    INSERT INTO webhook_deliveries (workspace_id, id, endpoint_id, event_id, event_type)
    SELECT ev.workspace_id, delivery_prefix || substr(ev.id, event_from) || '_' || substr(we.id, endpoint_from), we.id, ev.id, ev.type
    FROM ev JOIN webhook_endpoints we ON we.workspace_id = ev.workspace_id
    WHERE we.disabled_at IS NULL AND (cardinality(we.event_types) = 0 OR ev.type = ANY(we.event_types));
    -- Live subscriptions: the channel contacts_events (live.Channel) with
    -- the workspace's id as payload. PostgreSQL sends a notification when
    -- its transaction commits (never for one rolled back), to every
    -- process that listens, and folds the same payload of one transaction
    -- into one. The listeners then read the events themselves, under the
    -- workspace's row-level security (live/).
    PERFORM pg_notify('contacts_events', ws::text) FROM (SELECT DISTINCT unnest(w) AS ws) AS n;
END
$$;
REVOKE ALL ON FUNCTION insert_events FROM PUBLIC;
GRANT EXECUTE ON FUNCTION insert_events TO contacts_api;

DROP TRIGGER events_notify ON events;
DROP FUNCTION notify_events();

ALTER TABLE events DROP CONSTRAINT events_workspace_id_fkey;

-- A deleted workspace's events go with it. The events table's row-level
-- security binds its owner too, so the trigger names the workspace in
-- app.workspace_id while it deletes, and restores it after.
CREATE FUNCTION delete_workspace_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current text := current_setting('app.workspace_id', true);
BEGIN
    PERFORM set_config('app.workspace_id', OLD.id::text, true);
    DELETE FROM events WHERE workspace_id = OLD.id;
    PERFORM set_config('app.workspace_id', coalesce(current, ''), true);
    RETURN NULL;
END
$$;

CREATE TRIGGER workspace_events_deleted AFTER DELETE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION delete_workspace_events();
