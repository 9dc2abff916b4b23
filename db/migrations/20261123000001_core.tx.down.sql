-- Drops everything the up migration created, so that it can run again.
-- The role contacts_api stays, and so does the extension pg_trgm: other
-- databases of the cluster may use the role, other schemas of this
-- database the extension.
DROP VIEW visible_phones, visible_accounts, visible_contacts;

-- The SQL functions that read the tables, and take their rows' types,
-- before the tables.
DROP FUNCTION recount_contact_keys();
DROP FUNCTION keys_of(phones, integer);
DROP FUNCTION keys_of(contacts, integer);

-- The tables, with their indexes, policies and triggers.
DROP TABLE event_listeners, webhook_deliveries, webhook_endpoints, events, contact_keys,
    idempotency_keys, api_keys, custom_field_definitions, phones, contact_accounts, contacts, accounts,
    portal_roles, workspaces;

DROP FUNCTION delete_workspace_events();
DROP FUNCTION insert_events;
DROP FUNCTION refresh_statistics(text[], bigint[]);
DROP FUNCTION count_keys_of_phones();
DROP FUNCTION count_keys_of_contacts();
DROP FUNCTION count_contact_keys(contact_key_count[]);
DROP TYPE contact_key_count;
DROP FUNCTION contact_name_key(text, text, text);
