-- refresh_statistics (20261204233000_refresh_statistics) analyzed a table
-- once a server process had written a tenth of its rows: autovacuum's own
-- rule, so that on a steady stream of writes the servers analyzed the
-- tables as often as autovacuum does, and each process apart, doubling
-- its work. A tenth of growth flips no plan; what does is statistics that
-- are far behind the table, as right after an import into a fresh
-- database. A table is now analyzed when the rows written since the
-- caller's last refresh are 500 and half of what its statistics count:
-- at most a few times as an import grows it from nothing, and no more
-- than autovacuum would on a large table.
CREATE OR REPLACE FUNCTION refresh_statistics(tables text[], written bigint[])
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
        threshold := 500 + 0.5 * (SELECT greatest(reltuples, 0) FROM pg_class
                                  WHERE oid = to_regclass(quote_ident(table_name)));
        IF n >= threshold THEN
            BEGIN
                EXECUTE format('ANALYZE %I', table_name);
                analyzed := true;
                threshold := 500 + 0.5 * (SELECT greatest(reltuples, 0) FROM pg_class
                                          WHERE oid = to_regclass(quote_ident(table_name)));
            EXCEPTION WHEN lock_not_available THEN
                NULL;
            END;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
