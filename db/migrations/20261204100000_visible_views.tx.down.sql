DROP VIEW visible_phones, visible_accounts, visible_contacts;

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
