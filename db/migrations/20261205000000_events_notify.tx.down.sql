DROP TRIGGER events_notify ON events;
DROP FUNCTION notify_events();
