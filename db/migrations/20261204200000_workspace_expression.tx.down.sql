CREATE FUNCTION current_workspace_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['portal_roles', 'accounts', 'contacts', 'contact_accounts', 'phones',
                             'api_keys', 'idempotency_keys', 'custom_field_definitions']
    LOOP
        EXECUTE format('ALTER POLICY workspace_rows ON %I
                            USING (workspace_id = current_workspace_id())
                            WITH CHECK (workspace_id = current_workspace_id())', t);
    END LOOP;
END
$$;

ALTER POLICY workspace_rows ON workspaces
    USING (id = current_workspace_id())
    WITH CHECK (id = current_workspace_id());

CREATE OR REPLACE VIEW visible_contacts AS SELECT * FROM contacts WHERE workspace_id = current_workspace_id();
CREATE OR REPLACE VIEW visible_accounts AS SELECT * FROM accounts WHERE workspace_id = current_workspace_id();
CREATE OR REPLACE VIEW visible_phones AS SELECT * FROM phones WHERE workspace_id = current_workspace_id();
