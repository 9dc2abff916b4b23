-- Search under row-level security. Search and `contains` filters find
-- their candidates through trigram indexes, with LIKE; LIKE is not
-- leakproof, so the planner may not use those indexes on a table whose
-- policy must filter rows first, and scanned every row of the workspace
-- instead. These functions run the indexed LIKE as their owner (SECURITY
-- DEFINER): when the owner bypasses row-level security (a superuser, or
-- a role with BYPASSRLS), the index serves; otherwise the policy still
-- holds inside them. They return only ids of the workspace they are
-- given, and their callers use those ids to filter rows that the policy
-- holds to the transaction's workspace, so that they reveal nothing of
-- another workspace.

DO $$
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION contact_ids_matching(ws uuid, pattern text) RETURNS SETOF text
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %1$I, pg_temp
            AS 'SELECT id FROM contacts WHERE workspace_id = ws
                AND lower(name || '' '' || coalesce(email, '''') || '' '' || coalesce(external_id, '''')) LIKE pattern';
        CREATE FUNCTION account_ids_matching(ws uuid, pattern text) RETURNS SETOF text
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %1$I, pg_temp
            AS 'SELECT id FROM accounts WHERE workspace_id = ws
                AND lower(name || '' '' || coalesce(domain, '''') || '' '' || coalesce(external_id, '''')) LIKE pattern';
        CREATE FUNCTION contact_ids_with_phone_matching(ws uuid, pattern text) RETURNS SETOF text
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %1$I, pg_temp
            AS 'SELECT contact_id FROM phones WHERE workspace_id = ws AND ltrim(number, ''+'') LIKE pattern';
    $f$, current_schema());
END
$$;

REVOKE EXECUTE ON FUNCTION contact_ids_matching(uuid, text), account_ids_matching(uuid, text),
    contact_ids_with_phone_matching(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contact_ids_matching(uuid, text), account_ids_matching(uuid, text),
    contact_ids_with_phone_matching(uuid, text) TO contacts_api;
