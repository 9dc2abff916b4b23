-- The policies and the lists' views compare workspace_id with the
-- transaction's setting itself rather than through the SQL function
-- current_workspace_id(): PostgreSQL inlines such a function when it plans
-- a statement, parsing its body again for every table of the statement
-- that a policy or a view covers (about 8 µs each, by EXPLAIN's planning
-- time), and the statements that Bun writes are planned every time. The
-- policies keep their meaning: the rows of the workspace the transaction
-- names, none when it names none.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['portal_roles', 'accounts', 'contacts', 'contact_accounts', 'phones',
                             'api_keys', 'idempotency_keys', 'custom_field_definitions']
    LOOP
        EXECUTE format('ALTER POLICY workspace_rows ON %I
                            USING (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)
                            WITH CHECK (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)', t);
    END LOOP;
END
$$;

ALTER POLICY workspace_rows ON workspaces
    USING (id = NULLIF(current_setting('app.workspace_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.workspace_id', true), '')::uuid);

CREATE OR REPLACE VIEW visible_contacts AS
    SELECT * FROM contacts WHERE workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::uuid;
CREATE OR REPLACE VIEW visible_accounts AS
    SELECT * FROM accounts WHERE workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::uuid;
CREATE OR REPLACE VIEW visible_phones AS
    SELECT * FROM phones WHERE workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::uuid;

DROP FUNCTION current_workspace_id();
