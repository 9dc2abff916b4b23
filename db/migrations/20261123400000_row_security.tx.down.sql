-- The role stays: other databases of the cluster may use it.
DROP POLICY sweep_expired_delete ON idempotency_keys;
DROP POLICY sweep_expired ON idempotency_keys;
DROP POLICY key_lookup ON api_keys;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspaces', 'portal_roles', 'accounts', 'contacts', 'contact_accounts', 'phones',
                             'api_keys', 'idempotency_keys', 'custom_field_definitions']
    LOOP
        EXECUTE format('REVOKE ALL ON %I FROM contacts_api', t);
        EXECUTE format('DROP POLICY workspace_rows ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;

DROP FUNCTION current_workspace_id();
