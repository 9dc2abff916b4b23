CREATE OR REPLACE FUNCTION insert_events(
    w uuid[], i text[], t text[], r text[], x text[], v integer[], c jsonb[], a text[], q text[], o timestamptz[],
    delivery_prefix text, event_from integer, endpoint_from integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH ev AS (
        INSERT INTO events (workspace_id, id, type, record_id, external_id, version, changes, actor, request_id, occurred_at)
        SELECT e.w, e.i, e.t, e.r, e.x, e.v, e.c, e.a, e.q, coalesce(e.o, now())
        FROM unnest(w, i, t, r, x, v, c, a, q, o) AS e (w, i, t, r, x, v, c, a, q, o)
        RETURNING workspace_id, id, type)
    INSERT INTO webhook_deliveries (workspace_id, id, endpoint_id, event_id, event_type)
    SELECT ev.workspace_id, delivery_prefix || substr(ev.id, event_from) || '_' || substr(we.id, endpoint_from), we.id, ev.id, ev.type
    FROM ev JOIN webhook_endpoints we ON we.workspace_id = ev.workspace_id
    WHERE we.disabled_at IS NULL AND (cardinality(we.event_types) = 0 OR ev.type = ANY(we.event_types));
    PERFORM pg_notify('contacts_events', ws::text) FROM (SELECT DISTINCT unnest(w) AS ws) AS n;
END
$$;

DROP TABLE event_listeners;
