-- The planner's statistics of a table that a large write has just grown
-- (an import through bulkUpsertContacts into a fresh workspace) are
-- stale until autovacuum analyzes it, up to a minute later (its naptime):
-- meanwhile the list of contacts sorts every contact of a workspace
-- instead of reading the first page off its index (25 ms for 10,000
-- contacts instead of 0.07). The server calls this function when it has
-- written many rows of a table (db/analyze.go). Of the tables named, it
-- analyzes those to which at least 500 rows and a tenth of what their
-- statistics count were written (autovacuum's own rule), and returns for
-- each whether it did, and how many rows must be written before it would
-- analyze the table again.
--
-- It runs as its owner, who owns the tables (contacts_api may not
-- ANALYZE them), and on the tenant tables alone. ANALYZE reads a sample
-- and takes a lock that blocks no read or write; a table that another
-- ANALYZE or VACUUM holds is skipped after a second, and the whole call
-- ends after a minute.
CREATE FUNCTION refresh_statistics(tables text[], written bigint[])
    RETURNS TABLE (table_name text, analyzed boolean, threshold bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT
    SET lock_timeout = '1s'
    SET statement_timeout = '60s'
    AS $$
DECLARE
    n bigint;
BEGIN
    FOR table_name, n IN SELECT u.t, u.n FROM unnest(tables, written) AS u(t, n)
                         WHERE u.t IN ('accounts', 'contacts', 'contact_accounts', 'phones')
    LOOP
        analyzed := false;
        threshold := 500 + 0.1 * (SELECT greatest(reltuples, 0) FROM pg_class
                                  WHERE oid = to_regclass(quote_ident(table_name)));
        IF n >= threshold THEN
            BEGIN
                EXECUTE format('ANALYZE %I', table_name);
                analyzed := true;
                threshold := 500 + 0.1 * (SELECT greatest(reltuples, 0) FROM pg_class
                                          WHERE oid = to_regclass(quote_ident(table_name)));
            EXCEPTION WHEN lock_not_available THEN
                NULL;
            END;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION refresh_statistics(text[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_statistics(text[], bigint[]) TO contacts_api;
