CREATE FUNCTION current_workspace_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid $$;

-- Every tenant table's policy but that of workspaces, whose column is id.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies
             WHERE schemaname = current_schema() AND policyname = 'workspace_rows' AND tablename <> 'workspaces'
    LOOP
        EXECUTE format('ALTER POLICY workspace_rows ON %I USING (workspace_id = current_workspace_id()) WITH CHECK (workspace_id = current_workspace_id())', t);
    END LOOP;
END
$$;

ALTER POLICY workspace_rows ON workspaces
    USING (id = current_workspace_id())
    WITH CHECK (id = current_workspace_id());

CREATE OR REPLACE VIEW visible_contacts AS SELECT * FROM contacts WHERE workspace_id = current_workspace_id();
CREATE OR REPLACE VIEW visible_accounts AS SELECT * FROM accounts WHERE workspace_id = current_workspace_id();
CREATE OR REPLACE VIEW visible_phones AS SELECT * FROM phones WHERE workspace_id = current_workspace_id();
