-- NOTIFY only while some process listens. A transaction that notifies
-- takes, as it commits, a lock of the whole cluster that orders the
-- commits of every transaction that notifies: they commit one at a time,
-- each holding it through its commit record's write (and flush, with
-- synchronous_commit on). Every write with events notified, though a
-- process listens only while it has live subscribers (live/), and most
-- of the time none does.
--
-- event_listeners holds the backend of each process's listening
-- connection while it listens; insert_events notifies only when it holds
-- one. A writer that looked before a listener's row was committed does
-- not notify it: the listener, once registered and listening, reads
-- again after every transaction that was running then has ended (its
-- xid, assigned by the INSERT before the look, is in the listener's
-- snapshot taken after the registration), so that no event committed
-- after it started listening is missed (live/listen.go).
CREATE TABLE event_listeners (
    -- The listening connection's backend. A row left by a process that
    -- died costs only notifications; the next listener to register
    -- deletes the rows of backends that are gone.
    pid integer PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, DELETE ON event_listeners TO contacts_api;

CREATE OR REPLACE FUNCTION insert_events(
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
    -- the workspace's id as payload, while some process listens. This
    -- look comes after the INSERT, which gave the transaction its xid,
    -- and takes a snapshot of its own (READ COMMITTED, the server's
    -- level): a listener registered since is then waiting for this
    -- transaction to end (see above). PostgreSQL sends a notification
    -- when its transaction commits (never for one rolled back), to every
    -- process that listens, and folds the same payload of one
    -- transaction into one. The listeners then read the events
    -- themselves, under the workspace's row-level security (live/).
    IF EXISTS (SELECT FROM event_listeners) THEN
        PERFORM pg_notify('contacts_events', ws::text) FROM (SELECT DISTINCT unnest(w) AS ws) AS n;
    END IF;
END
$$;
