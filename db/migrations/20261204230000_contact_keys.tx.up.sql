-- Duplicates found: the keys by which two contacts are likely one person,
-- and how many contacts of a workspace share each.
--
-- Finding the keys that two contacts share by grouping the contacts reads
-- every key of the workspace before it can tell that a page holds none,
-- the usual case once a workspace has merged its duplicates: for the
-- 1,000,000 contacts of make bench-query, 7 s for the emails and 10 s for
-- the 2,000,000 phones (on a loaded 2-core machine; a page must answer in
-- 200 ms). contact_keys counts
-- the contacts of each key as they are written, so that a page of
-- duplicate groups is a range of the partial index of the keys that more
-- than one contact has (contact_keys_shared_idx), whatever the size of the
-- workspace. Statement triggers keep the counts, one statement for all the
-- rows a statement writes, in the transaction that writes them: INSERT …
-- ON CONFLICT DO UPDATE serialises the writers of one key on its row, so
-- that two contacts created at once with the same email both count.
--
-- The keys (db/duplicates.go finds the contacts of each by the same
-- expressions, through their indexes):
--   EMAIL: the email lowercased; the service stores emails with their
--          domains in one canonical IDNA form, so that this compares them
--          without regard to case or to the spelling of the domain.
--   PHONE: the number, in E.164 as the service stores it.
--   NAME:  contact_name_key within the contact's primary account
--          (account_id; '' for the other reasons).

-- A contact's name as duplicates compare it: its first and last names
-- when it has either, else its name; runs of white space made one space,
-- trimmed, in Unicode form C, lowercased by Unicode's rules (ICU: the
-- database's own collation may be C, which lowercases ASCII alone).
CREATE FUNCTION contact_name_key(first_name text, last_name text, name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(normalize(btrim(regexp_replace(
        coalesce(nullif(btrim(concat_ws(' ', first_name, last_name)), ''), name), '\s+', ' ', 'g')), NFC) COLLATE "und-x-icu");

-- The count of the contacts that have one key, or its change (negative
-- when they lose it).
CREATE TYPE contact_key_count AS (workspace_id uuid, reason text, account_id text, key text, contacts integer);

-- Without a foreign key to workspaces: a workspace's rows go with its
-- contacts and phones (the triggers drop the keys no contact has), and a
-- bulk count (recount_contact_keys) checks no row against it.
CREATE TABLE contact_keys (
    workspace_id uuid NOT NULL,
    reason text NOT NULL CHECK (reason IN ('EMAIL', 'PHONE', 'NAME')),
    account_id text NOT NULL,
    key text NOT NULL,
    contacts integer NOT NULL,
    PRIMARY KEY (workspace_id, reason, account_id, key)
);

CREATE INDEX contact_keys_shared_idx ON contact_keys (workspace_id, reason, account_id, key) WHERE contacts > 1;

-- The members of a group of names, found by their key; those of emails
-- and phones are found through contacts_email_idx and phones_digits_idx
-- (20261123300000_query).
CREATE INDEX contacts_name_key_idx ON contacts (workspace_id, account_id, contact_name_key(first_name, last_name, name))
    WHERE account_id IS NOT NULL;

-- The keys of a contact and of a phone, each counting sign contacts.
CREATE FUNCTION keys_of(c contacts, sign integer) RETURNS SETOF contact_key_count
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT c.workspace_id, 'EMAIL', '', lower(c.email), sign WHERE c.email IS NOT NULL
        UNION ALL
        SELECT c.workspace_id, 'NAME', c.account_id, contact_name_key(c.first_name, c.last_name, c.name), sign
        WHERE c.account_id IS NOT NULL;
    END;

CREATE FUNCTION keys_of(p phones, sign integer) RETURNS SETOF contact_key_count
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT p.workspace_id, 'PHONE', '', p.number, sign;
    END;

-- count_contact_keys adds counts to the keys' rows, in the order of the
-- keys (so that two statements that share keys lock them in one order and
-- do not deadlock), and drops the rows of the keys no contact has.
CREATE FUNCTION count_contact_keys(counts contact_key_count[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_keys AS k (workspace_id, reason, account_id, key, contacts)
    SELECT c.workspace_id, c.reason, c.account_id, c.key, sum(c.contacts)
    FROM unnest(counts) AS c
    GROUP BY 1, 2, 3, 4 HAVING sum(c.contacts) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (workspace_id, reason, account_id, key) DO UPDATE SET contacts = k.contacts + excluded.contacts;
    DELETE FROM contact_keys AS k USING unnest(counts) AS c
    WHERE c.contacts < 0 AND k.contacts <= 0
        AND (k.workspace_id, k.reason, k.account_id, k.key) = (c.workspace_id, c.reason, c.account_id, c.key);
END
$$;

-- The triggers' function: the keys of the rows a statement wrote count,
-- those of the rows it replaced or deleted count down. An update that
-- changes no key (tags, say) cancels out and writes nothing. The rows of
-- a transition table are records of no type: they are cast to the
-- table's, whose keys_of counts them.
CREATE FUNCTION count_keys_of_rows() RETURNS trigger
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

-- A trigger with transition tables has one event: three triggers a table.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contacts', 'phones']
    LOOP
        EXECUTE format('CREATE TRIGGER %1$s_keys_insert AFTER INSERT ON %1$I REFERENCING NEW TABLE AS new_rows
                            FOR EACH STATEMENT EXECUTE FUNCTION count_keys_of_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_keys_update AFTER UPDATE ON %1$I REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
                            FOR EACH STATEMENT EXECUTE FUNCTION count_keys_of_rows()', t);
        EXECUTE format('CREATE TRIGGER %1$s_keys_delete AFTER DELETE ON %1$I REFERENCING OLD TABLE AS old_rows
                            FOR EACH STATEMENT EXECUTE FUNCTION count_keys_of_rows()', t);
    END LOOP;
END
$$;

-- recount_contact_keys counts every key again, from the contacts and
-- phones its caller sees: this migration's, and a bulk load's that wrote
-- with triggers off (session_replication_role = replica).
CREATE FUNCTION recount_contact_keys() RETURNS void
    LANGUAGE sql
    BEGIN ATOMIC
        DELETE FROM contact_keys;
        INSERT INTO contact_keys (workspace_id, reason, account_id, key, contacts)
        SELECT k.workspace_id, k.reason, k.account_id, k.key, sum(k.contacts)
        FROM (SELECT k.* FROM contacts AS c, keys_of(c, 1) AS k
              UNION ALL
              SELECT k.* FROM phones AS p, keys_of(p, 1) AS k) AS k
        GROUP BY 1, 2, 3, 4;
    END;
REVOKE EXECUTE ON FUNCTION recount_contact_keys() FROM PUBLIC;

-- The owner that migrates counts the keys of every workspace: the
-- policies of contacts and phones hold for it too (FORCE), so they are
-- lifted for this transaction's reads, which no other sees.
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE phones NO FORCE ROW LEVEL SECURITY;
SELECT recount_contact_keys();
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
ALTER TABLE phones FORCE ROW LEVEL SECURITY;

-- Row-level security as for every tenant table (20261204220000_workspace_once).
ALTER TABLE contact_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_rows ON contact_keys
    USING (workspace_id = (SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid))
    WITH CHECK (workspace_id = (SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON contact_keys TO contacts_api;
