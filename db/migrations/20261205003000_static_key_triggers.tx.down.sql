-- Back to the dynamic statement of 20261204230000_contact_keys.
CREATE OR REPLACE FUNCTION count_keys_of_rows() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    keys text := format('SELECT k FROM %%s AS r, keys_of(r::%I.%I, %%s) AS k', TG_TABLE_SCHEMA, TG_TABLE_NAME);
BEGIN
    EXECUTE format('SELECT count_contact_keys(ARRAY(%s))', CASE TG_OP
        WHEN 'INSERT' THEN format(keys, 'new_rows', 1)
        WHEN 'DELETE' THEN format(keys, 'old_rows', -1)
        ELSE format(keys, 'new_rows', 1) || ' UNION ALL ' || format(keys, 'old_rows', -1)
    END);
    RETURN NULL;
END
$$;
