-- Back to a tenth of growth (20261204233000_refresh_statistics).
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
