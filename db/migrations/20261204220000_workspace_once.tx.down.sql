-- Back to the expression evaluated for each row (20261204200000).

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies
             WHERE schemaname = current_schema() AND policyname = 'workspace_rows' AND tablename <> 'workspaces'
    LOOP
        EXECUTE format('ALTER POLICY workspace_rows ON %I USING (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid) WITH CHECK (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)', t);
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

