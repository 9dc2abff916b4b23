DO $$
DECLARE
    t text;
    event text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contacts', 'phones']
    LOOP
        FOREACH event IN ARRAY ARRAY['insert', 'update', 'delete']
        LOOP
            EXECUTE format('DROP TRIGGER %I ON %I', t || '_keys_' || event, t);
        END LOOP;
    END LOOP;
END
$$;
DROP FUNCTION recount_contact_keys();
DROP FUNCTION count_keys_of_rows();
DROP FUNCTION count_contact_keys(contact_key_count[]);
DROP FUNCTION keys_of(phones, integer);
DROP FUNCTION keys_of(contacts, integer);
DROP INDEX contacts_name_key_idx;
DROP TABLE contact_keys;
DROP TYPE contact_key_count;
DROP FUNCTION contact_name_key(text, text, text);
