-- Live subscriptions: every statement that writes events notifies the
-- channel contacts_events once per workspace it wrote to, with the
-- workspace's id as payload. PostgreSQL sends a notification when its
-- transaction commits (never for one rolled back), to every process that
-- listens, and folds the same payload of one transaction into one. The
-- listeners then read the events themselves, under the workspace's
-- row-level security (live/).
CREATE FUNCTION notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('contacts_events', w.workspace_id::text)
    FROM (SELECT DISTINCT workspace_id FROM new_events) w;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events();
