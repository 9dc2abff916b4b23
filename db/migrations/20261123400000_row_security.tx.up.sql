-- Row-level security: a second wall between workspaces, behind the
-- workspace filter of every query. Each tenant table lets a statement see
-- and write only the rows of the workspace its transaction names with
-- SET LOCAL app.workspace_id; with none named, it sees no row and can
-- write none. The policies hold for the tables' owner too (FORCE), and the
-- server's queries run as contacts_api, which owns nothing and does not
-- bypass row-level security (the migrations run as the owner).

-- The workspace the current transaction is scoped to, or null.
-- A one-expression SQL function: the planner inlines it, so the policies
-- below compare workspace_id with a stable value and use the indexes.
CREATE FUNCTION current_workspace_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid $$;

DO $$
BEGIN
    CREATE ROLE contacts_api NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION
    -- Roles belong to the whole cluster: another database of it, or a
    -- migration running at the same time in one, may have created it.
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- The owner may act as contacts_api: a server given one database URL
-- connects as the owner and runs its queries as contacts_api.
GRANT contacts_api TO CURRENT_USER;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['portal_roles', 'accounts', 'contacts', 'contact_accounts', 'phones',
                             'api_keys', 'idempotency_keys', 'custom_field_definitions']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY workspace_rows ON %I
                            USING (workspace_id = current_workspace_id())
                            WITH CHECK (workspace_id = current_workspace_id())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO contacts_api', t);
    END LOOP;
END
$$;

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON workspaces
    USING (id = current_workspace_id())
    WITH CHECK (id = current_workspace_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces TO contacts_api;

-- Authenticating an API key finds its row by the key's hash before the
-- workspace is known: the transaction names the hash, and sees that row.
CREATE POLICY key_lookup ON api_keys FOR SELECT
    USING (key_hash = decode(NULLIF(current_setting('app.api_key_hash', true), ''), 'hex'));

-- The sweeper deletes the expired idempotency keys of every workspace.
CREATE POLICY sweep_expired ON idempotency_keys FOR SELECT
    USING (current_setting('app.sweep', true) = 'on' AND expires_at < now());
CREATE POLICY sweep_expired_delete ON idempotency_keys FOR DELETE
    USING (current_setting('app.sweep', true) = 'on' AND expires_at < now());
