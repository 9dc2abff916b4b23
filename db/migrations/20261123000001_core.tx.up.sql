-- The whole schema of the API, in one migration: extensions and roles,
-- then the tables by topic with their indexes, functions and triggers,
-- then row-level security, the lists' views and the grants. River's own
-- migrations run after this one (db/migrate.go).
-- A change to the schema is a new migration after this one, never an edit
-- of it: docs/development.md says how.
--
-- Every table leads with workspace_id: primary keys, unique rules and
-- foreign keys all include it, so the database itself refuses a reference
-- across workspaces and the tables can later be distributed by
-- workspace_id. Every index of a list leads with workspace_id too, so that
-- a workspace's pages never wade through another's rows.


-- ─── Extensions and roles ───────────────────────────────────────────────

-- Trigram indexes serve search and contains/startsWith filters.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The server's queries run as contacts_api, which owns nothing and does
-- not bypass row-level security (the migrations run as the owner).
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


-- ─── Workspaces, contacts and accounts ──────────────────────────────────

CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    default_portal_role_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- The country whose national form the workspace's phone numbers are
    -- in when their input names none. Stored numbers are not checked
    -- here: SQL cannot run libphonenumber's rules; `server check-phones`
    -- reports the stored numbers that are not valid, and nothing drops
    -- them.
    default_phone_region text
        CONSTRAINT workspaces_default_phone_region_check CHECK (default_phone_region ~ '^[A-Z]{2}$')
);

CREATE TABLE portal_roles (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    built_in boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, slug)
);

ALTER TABLE workspaces
    ADD CONSTRAINT workspaces_default_portal_role_fkey
    FOREIGN KEY (id, default_portal_role_id) REFERENCES portal_roles (workspace_id, id);

CREATE TABLE accounts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    external_id text,
    name text NOT NULL,
    domain text,
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Each custom field's value by its slug (custom_field_definitions).
    custom_fields jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT accounts_external_id_key UNIQUE (workspace_id, external_id)
);

CREATE TABLE contacts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    external_id text,
    name text NOT NULL,
    first_name text,
    last_name text,
    email text,
    avatar_url text,
    description text,
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    account_id text,
    portal_role_id text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Server-to-server sync: a merged contact remembers the external ids
    -- of the contacts merged into it, so that later upserts by those ids
    -- find it.
    merged_external_ids text[] NOT NULL DEFAULT '{}',
    -- Each custom field's value by its slug (custom_field_definitions).
    custom_fields jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT contacts_external_id_key UNIQUE (workspace_id, external_id),
    FOREIGN KEY (workspace_id, account_id)
        REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
    FOREIGN KEY (workspace_id, portal_role_id) REFERENCES portal_roles (workspace_id, id)
);

CREATE INDEX contacts_account_idx ON contacts (workspace_id, account_id);
CREATE INDEX contacts_portal_role_idx ON contacts (workspace_id, portal_role_id);

-- Upserts find contacts by the external ids merged into them. Under
-- row-level security, PostgreSQL may not use a GIN index for that test
-- (&& is not leakproof: it must not run on rows the policy hides, so it
-- cannot run inside an index scan) and would scan every contact of the
-- workspace. A btree over the few contacts that have merged ids serves
-- instead: its condition is workspace_id = …, which is leakproof.
CREATE INDEX contacts_merged_idx ON contacts (workspace_id) WHERE merged_external_ids <> '{}';

-- Membership of contacts in accounts; the contact's primary account is
-- always one of them.
CREATE TABLE contact_accounts (
    workspace_id uuid NOT NULL,
    contact_id text NOT NULL,
    account_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, contact_id, account_id),
    FOREIGN KEY (workspace_id, contact_id)
        REFERENCES contacts (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, account_id)
        REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX contact_accounts_account_idx ON contact_accounts (workspace_id, account_id, contact_id);

CREATE TABLE phones (
    workspace_id uuid NOT NULL,
    id text NOT NULL,
    contact_id text NOT NULL,
    number text NOT NULL,
    type text CHECK (type IN ('MOBILE', 'HOME', 'WORK', 'OTHER')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT phones_contact_number_key UNIQUE (workspace_id, contact_id, number),
    FOREIGN KEY (workspace_id, contact_id)
        REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);

-- Custom fields: their definitions; each record's values are in its
-- custom_fields, by slug.
CREATE TABLE custom_field_definitions (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    object text NOT NULL CHECK (object IN ('CONTACT', 'ACCOUNT')),
    slug text NOT NULL,
    label text NOT NULL,
    type text NOT NULL CHECK (type IN ('TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'SELECT', 'MULTI_SELECT', 'URL')),
    options text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT custom_field_definitions_slug_key UNIQUE (workspace_id, object, slug)
);


-- ─── The lists' indexes ─────────────────────────────────────────────────
-- Sorted, filtered and searched lists. The expressions below must stay
-- those of db/list.go, db/filter.go and db/search.go, or the planner will
-- not use them.

-- Keyset order: each sort key, then the id that breaks ties. A missing
-- email or domain sorts as ''.
CREATE INDEX contacts_created_idx ON contacts (workspace_id, created_at, id);
CREATE INDEX contacts_updated_idx ON contacts (workspace_id, updated_at, id);
CREATE INDEX contacts_name_idx ON contacts (workspace_id, lower(name), id);
CREATE INDEX contacts_email_idx ON contacts (workspace_id, coalesce(lower(email), ''), id);
CREATE INDEX accounts_created_idx ON accounts (workspace_id, created_at, id);
CREATE INDEX accounts_updated_idx ON accounts (workspace_id, updated_at, id);
CREATE INDEX accounts_name_idx ON accounts (workspace_id, lower(name), id);
CREATE INDEX accounts_domain_idx ON accounts (workspace_id, coalesce(lower(domain), ''), id);

-- Case-insensitive lookups by external id.
CREATE INDEX contacts_external_id_lower_idx ON contacts (workspace_id, lower(external_id));
CREATE INDEX accounts_external_id_lower_idx ON accounts (workspace_id, lower(external_id));

-- Tags: hasAny (&&), hasAll (@>).
CREATE INDEX contacts_tags_idx ON contacts USING gin (tags);
CREATE INDEX accounts_tags_idx ON accounts USING gin (tags);

-- Search, and contains/startsWith on the fields it covers: trigrams of
-- the lowercased name, email (domain) and external id.
CREATE INDEX contacts_search_idx ON contacts
    USING gin (lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(external_id, '')) gin_trgm_ops);
CREATE INDEX accounts_search_idx ON accounts
    USING gin (lower(name || ' ' || coalesce(domain, '') || ' ' || coalesce(external_id, '')) gin_trgm_ops);
-- A finer histogram of the search text lets the planner tell a common
-- word (walk the order's index, stop after a page) from a rare one (take
-- the few rows the trigram index finds, then sort them).
ALTER INDEX contacts_search_idx ALTER COLUMN 1 SET STATISTICS 1000;
ALTER INDEX accounts_search_idx ALTER COLUMN 1 SET STATISTICS 1000;

-- Phones match by their digits (numbers are E.164: '+' and digits).
CREATE INDEX phones_digits_idx ON phones (workspace_id, ltrim(number, '+'));
CREATE INDEX phones_digits_trgm_idx ON phones USING gin (ltrim(number, '+') gin_trgm_ops);

-- Custom fields' values.
CREATE INDEX contacts_custom_fields_idx ON contacts USING gin (custom_fields jsonb_path_ops);
CREATE INDEX accounts_custom_fields_idx ON accounts USING gin (custom_fields jsonb_path_ops);


-- ─── API keys and idempotency keys ──────────────────────────────────────

-- Workspace API keys for server-to-server callers. Only the SHA-256 of a
-- key is stored; authentication finds the key by that hash through the
-- unique index, in one lookup. A revoked key stays listed, with revoked_at.
CREATE TABLE api_keys (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);

-- Idempotency keys remember the first response to a retried request.
CREATE TABLE idempotency_keys (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    -- status_code is null while the first request is in flight.
    status_code integer,
    content_type text,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- A key belongs to the credential that first used it: its response
    -- is replayed to that caller alone. caller is the SHA-256 of the
    -- credential's name (auth.Principal.Credential): an API key's id, or
    -- a JWT's subject and scopes.
    caller bytea NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);


-- ─── Duplicates: the keys contacts share ────────────────────────────────
-- The keys by which two contacts are likely one person, and how many
-- contacts of a workspace share each.
--
-- Finding the keys that two contacts share by grouping the contacts reads
-- every key of the workspace before it can tell that a page holds none,
-- the usual case once a workspace has merged its duplicates: for the
-- 1,000,000 contacts of make bench-query, 7 s for the emails and 10 s for
-- the 2,000,000 phones (on a loaded 2-core machine; a page must answer in
-- 200 ms). contact_keys counts the contacts of each key as they are
-- written, so that a page of duplicate groups is a range of the partial
-- index of the keys that more than one contact has
-- (contact_keys_shared_idx), whatever the size of the workspace.
-- Statement triggers keep the counts, one statement for all the rows a
-- statement writes, in the transaction that writes them: INSERT … ON
-- CONFLICT DO UPDATE serialises the writers of one key on its row, so
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
-- and phones are found through contacts_email_idx and phones_digits_idx.
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

-- The triggers: the keys of the rows a statement wrote count, those of
-- the rows it replaced or deleted count down. An update that changes no
-- key (tags, say) cancels out and writes nothing. The rows of a
-- transition table are records of no type: they are cast to the table's,
-- whose keys_of counts them.
--
-- Each table has a trigger function of its own, made from the one text
-- below, so that its statements name the table's type: static
-- statements, which PL/pgSQL plans once per session and table. A
-- statement built as text and run with EXECUTE is planned anew every
-- time: planning was most of the trigger's time, and the trigger most of
-- a contact's INSERT (0.31 ms against 0.14 ms with static statements). A
-- statement that names a transition table its trigger lacks (old_rows on
-- INSERT) is never run, so never planned. A trigger with transition
-- tables has one event: three triggers a table.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contacts', 'phones']
    LOOP
        EXECUTE format($f$
            CREATE FUNCTION count_keys_of_%1$s() RETURNS trigger
                LANGUAGE plpgsql AS $b$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    PERFORM count_contact_keys(ARRAY(SELECT k FROM new_rows AS r, keys_of(r::%1$I, 1) AS k));
                ELSIF TG_OP = 'DELETE' THEN
                    PERFORM count_contact_keys(ARRAY(SELECT k FROM old_rows AS r, keys_of(r::%1$I, -1) AS k));
                ELSE
                    PERFORM count_contact_keys(ARRAY(SELECT k FROM new_rows AS r, keys_of(r::%1$I, 1) AS k
                                                     UNION ALL
                                                     SELECT k FROM old_rows AS r, keys_of(r::%1$I, -1) AS k));
                END IF;
                RETURN NULL;
            END
            $b$;
            CREATE TRIGGER %1$s_keys_insert AFTER INSERT ON %1$I REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION count_keys_of_%1$s();
            CREATE TRIGGER %1$s_keys_update AFTER UPDATE ON %1$I REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION count_keys_of_%1$s();
            CREATE TRIGGER %1$s_keys_delete AFTER DELETE ON %1$I REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION count_keys_of_%1$s();
        $f$, t);
    END LOOP;
END
$$;

-- recount_contact_keys counts every key again, from the contacts and
-- phones its caller sees: after a bulk load that wrote with triggers off
-- (session_replication_role = replica).
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


-- ─── Planner statistics ─────────────────────────────────────────────────

-- The planner's statistics of a table that a large write has just grown
-- (an import through bulkUpsertContacts into a fresh workspace) are
-- stale until autovacuum analyzes it, up to a minute later (its naptime):
-- meanwhile the list of contacts sorts every contact of a workspace
-- instead of reading the first page off its index (25 ms for 10,000
-- contacts instead of 0.07). The server calls this function when it has
-- written many rows of a table (db/analyze.go). Of the tables named, it
-- analyzes those to which at least 500 rows and half of what their
-- statistics count were written since the caller's last refresh, and
-- returns for each whether it did, and how many rows must be written
-- before it would analyze the table again.
--
-- Half, not autovacuum's own tenth: a tenth of growth flips no plan, and
-- on a steady stream of writes the servers would analyze the tables as
-- often as autovacuum does, and each process apart, doubling its work.
-- What flips plans is statistics that are far behind the table, as right
-- after an import into a fresh database: half analyzes at most a few
-- times as an import grows a table from nothing, and no more than
-- autovacuum would on a large table.
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

REVOKE ALL ON FUNCTION refresh_statistics(text[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_statistics(text[], bigint[]) TO contacts_api;


-- ─── Change events and webhooks ─────────────────────────────────────────

-- The outbox of change events: every mutation writes one row per record
-- it changed, in its own transaction, so an event exists exactly when its
-- change was committed. The change feed, each record's history and the
-- webhook deliveries read it.
--
-- Without a foreign key to workspaces: the key checked each event's
-- workspace, locking its row, for every event (10 µs each, a bulk write's
-- 1,000 events 10 ms); the events of a deleted workspace are deleted by a
-- trigger on workspaces instead (workspace_events_deleted).
CREATE TABLE events (
    workspace_id uuid NOT NULL,
    -- evt_ followed by a ULID: its time is when the event was written.
    id text NOT NULL,
    type text NOT NULL,
    record_id text NOT NULL,
    external_id text,
    version integer,
    -- [{"field": …, "old": …, "new": …}] for the fields that changed.
    changes jsonb NOT NULL DEFAULT '[]',
    -- The token's subject or the API key's id that made the change.
    actor text NOT NULL,
    request_id text,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- The id of the transaction that wrote the event: the feed's order.
    -- Transactions commit in another order than they take ids, so the feed
    -- shows only the events of transactions older than the oldest one
    -- still running (pg_snapshot_xmin), which can no longer gain an event
    -- below a cursor it handed out (events/feed.go).
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (workspace_id, id)
);

-- The feed, oldest first, and a record's history, newest first.
CREATE INDEX events_feed ON events (workspace_id, txid, id);
CREATE INDEX events_record ON events (workspace_id, record_id, txid, id);
-- Pruning past the retention, across workspaces.
CREATE INDEX events_occurred_at ON events (occurred_at);

-- Webhook endpoints and their deliveries. Every event written for a
-- workspace with endpoints that take its type gets one delivery per
-- endpoint, in the statement that writes the event; a relay hands the new
-- deliveries to the job queue (River, whose own tables the migrate command
-- creates beside these), and its workers send them.
CREATE TABLE webhook_endpoints (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    url text NOT NULL,
    -- The event types the endpoint receives; all types when empty.
    event_types text[] NOT NULL DEFAULT '{}',
    description text NOT NULL DEFAULT '',
    -- whsec_…: the server signs with it, so it keeps it.
    secret text NOT NULL,
    -- After a rotation the old secret signs too, until it expires.
    previous_secret text,
    previous_secret_expires_at timestamptz,
    disabled_at timestamptz,
    disabled_reason text,
    -- When the endpoint's unbroken run of failures began.
    failing_since timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

-- A delivery's row is written three times: inserted with its event, marked
-- handed over by the relay, then given its attempt's outcome by a worker.
-- Pages filled to the brim move each new version to another page, adding
-- an entry to each of the table's indexes; pages half filled (fillfactor)
-- keep the worker's update on the same page, a heap-only update that
-- touches no index (its columns are in none). make bench-webhooks measured
-- the worker's UPDATE at 0.5 ms instead of 1.3 ms.
CREATE TABLE webhook_deliveries (
    workspace_id uuid NOT NULL,
    id text NOT NULL,
    endpoint_id text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    -- pending, succeeded, or failed once every retry failed.
    status text NOT NULL DEFAULT 'pending',
    -- Whether the relay handed it to the job queue.
    enqueued boolean NOT NULL DEFAULT false,
    attempts integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    status_code integer,
    duration_ms integer,
    -- The first KiB of the last answer's body.
    response text,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, endpoint_id) REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
) WITH (fillfactor = 50);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (workspace_id, endpoint_id, created_at, id);
-- The relay's queue: the deliveries not yet handed over.
CREATE INDEX webhook_deliveries_to_enqueue ON webhook_deliveries (created_at) WHERE NOT enqueued;

-- Live subscriptions NOTIFY only while some process listens. A
-- transaction that notifies takes, as it commits, a lock of the whole
-- cluster that orders the commits of every transaction that notifies:
-- they commit one at a time, each holding it through its commit record's
-- write (and flush, with synchronous_commit on). A process listens only
-- while it has live subscribers (live/), and most of the time none does.
--
-- event_listeners holds the backend of each process's listening
-- connection while it listens; insert_events notifies only when it holds
-- one. A writer that looked before a listener's row was committed does
-- not notify it: the listener, once registered and listening, reads
-- again after every transaction that was running then has ended (its
-- xid, assigned by the INSERT before the look, is in the listener's
-- snapshot taken after the registration), so that no event committed
-- after it started listening is missed (live/listen.go).
CREATE TABLE event_listeners (
    -- The listening connection's backend. A row left by a process that
    -- died costs only notifications; the next listener to register
    -- deletes the rows of backends that are gone.
    pid integer PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, DELETE ON event_listeners TO contacts_api;

-- insert_events is the only way the server writes events. The server
-- sends its statements with their values inlined (the simple protocol),
-- so PostgreSQL would plan the INSERT … RETURNING with its deliveries'
-- join under three tables' row-level security afresh for every write
-- (0.4 to 0.6 ms of CPU a write for one event, by pgbench); as a PL/pgSQL
-- function it is planned once per connection, and a call is planned in
-- microseconds. It sends the NOTIFY of live subscriptions itself, once
-- per workspace it wrote to, rather than a statement trigger that would
-- copy every new row into a transition table to find their workspaces.
CREATE FUNCTION insert_events(
    w uuid[], i text[], t text[], r text[], x text[], v integer[], c jsonb[], a text[], q text[], o timestamptz[],
    -- How a delivery's id is made of its event's id and its endpoint's:
    -- the deliveries' prefix, then each id past its own prefix.
    delivery_prefix text, event_from integer, endpoint_from integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Every event gets a delivery to each enabled endpoint of its
    -- workspace that takes its type.
    WITH ev AS (
        INSERT INTO events (workspace_id, id, type, record_id, external_id, version, changes, actor, request_id, occurred_at)
        SELECT e.w, e.i, e.t, e.r, e.x, e.v, e.c, e.a, e.q, coalesce(e.o, now())
        FROM unnest(w, i, t, r, x, v, c, a, q, o) AS e (w, i, t, r, x, v, c, a, q, o)
        RETURNING workspace_id, id, type)
    INSERT INTO webhook_deliveries (workspace_id, id, endpoint_id, event_id, event_type)
    SELECT ev.workspace_id, delivery_prefix || substr(ev.id, event_from) || '_' || substr(we.id, endpoint_from), we.id, ev.id, ev.type
    FROM ev JOIN webhook_endpoints we ON we.workspace_id = ev.workspace_id
    WHERE we.disabled_at IS NULL AND (cardinality(we.event_types) = 0 OR ev.type = ANY(we.event_types));
    -- Live subscriptions: the channel contacts_events (live.Channel) with
    -- the workspace's id as payload, while some process listens. This
    -- look comes after the INSERT, which gave the transaction its xid,
    -- and takes a snapshot of its own (READ COMMITTED, the server's
    -- level): a listener registered since is then waiting for this
    -- transaction to end (see above). PostgreSQL sends a notification
    -- when its transaction commits (never for one rolled back), to every
    -- process that listens, and folds the same payload of one
    -- transaction into one. The listeners then read the events
    -- themselves, under the workspace's row-level security (live/).
    IF EXISTS (SELECT FROM event_listeners) THEN
        PERFORM pg_notify('contacts_events', ws::text) FROM (SELECT DISTINCT unnest(w) AS ws) AS n;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION insert_events FROM PUBLIC;
GRANT EXECUTE ON FUNCTION insert_events TO contacts_api;

-- A deleted workspace's events go with it. The events table's row-level
-- security binds its owner too, so the trigger names the workspace in
-- app.workspace_id while it deletes, and restores it after.
CREATE FUNCTION delete_workspace_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current text := current_setting('app.workspace_id', true);
BEGIN
    PERFORM set_config('app.workspace_id', OLD.id::text, true);
    DELETE FROM events WHERE workspace_id = OLD.id;
    PERFORM set_config('app.workspace_id', coalesce(current, ''), true);
    RETURN NULL;
END
$$;

CREATE TRIGGER workspace_events_deleted AFTER DELETE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION delete_workspace_events();


-- ─── Row-level security and the lists' views ───────────────────────────
-- A second wall between workspaces, behind the workspace filter of every
-- query. Each tenant table lets a statement see and write only the rows
-- of the workspace its transaction names with SET LOCAL app.workspace_id;
-- with none named, it sees no row and can write none. The policies hold
-- for the tables' owner too (FORCE); contacts_api may read and write the
-- tables, and owns none.
--
-- The policies compare workspace_id with the transaction's setting itself
-- rather than through an SQL function: PostgreSQL inlines such a function
-- when it plans a statement, parsing its body again for every table of
-- the statement that a policy covers (about 8 µs each, by EXPLAIN's
-- planning time), and the statements that Bun writes are planned every
-- time. As a scalar subquery, the setting is an initplan whose value the
-- executor computes once per statement and compares with every row, where
-- the bare expression is evaluated again for each row the statement
-- touches (a page of 999 contacts with their phones and accounts, some
-- 4,000 rows).
--
-- Lists and search under row-level security. A policy is a security
-- barrier: PostgreSQL tests a condition that is not leakproof (LIKE,
-- starts_with, &&, @>) only on the rows the policy lets through, so that
-- no index serves it, and every match was fetched and sorted before the
-- page was cut (95 to 256 ms for a common word among 1,000,000 contacts,
-- even through SECURITY DEFINER functions that ran the indexed LIKE as
-- the tables' owner).
--
-- The list and search statements read the views visible_* instead: each
-- is its table's rows of the workspace the transaction names, the same
-- rows as the policy lets through, and like the policy it shows none when
-- the transaction names no workspace. A view is not a security barrier:
-- the planner may test the statement's conditions before the view's own,
-- and so use the trigram and order indexes and stop after a page, as
-- without row-level security. Its tables are read as the view's owner
-- (the role that migrates): when that role bypasses row-level security
-- (a superuser, or BYPASSRLS), the view's condition is the wall, and the
-- indexes serve; otherwise the policies hold inside the view too, and the
-- statements stay correct but cannot use those indexes.
--
-- SELECT * is expanded when a view is created: a migration that adds a
-- column to one of these tables recreates its view (a test compares their
-- columns).
DO $$
DECLARE
    -- The workspace the transaction names, or null, as a scalar subquery.
    workspace constant text := $w$(SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid)$w$;
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspaces', 'portal_roles', 'accounts', 'contacts', 'contact_accounts', 'phones',
                             'api_keys', 'idempotency_keys', 'custom_field_definitions', 'contact_keys',
                             'events', 'webhook_endpoints', 'webhook_deliveries']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- A workspace's own column is id.
        EXECUTE format('CREATE POLICY workspace_rows ON %1$I USING (%2$I = %3$s) WITH CHECK (%2$I = %3$s)',
                       t, CASE t WHEN 'workspaces' THEN 'id' ELSE 'workspace_id' END, workspace);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['contacts', 'accounts', 'phones']
    LOOP
        EXECUTE format('CREATE VIEW visible_%1$s AS SELECT * FROM %1$I WHERE workspace_id = %2$s', t, workspace);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces, portal_roles, accounts, contacts, contact_accounts, phones,
    api_keys, idempotency_keys, custom_field_definitions, contact_keys, webhook_endpoints, webhook_deliveries
    TO contacts_api;
-- Events are written once and never changed.
GRANT SELECT, INSERT, DELETE ON events TO contacts_api;
GRANT SELECT ON visible_contacts, visible_accounts, visible_phones TO contacts_api;

-- The policies below let the transactions of a few tasks that work across
-- workspaces see more rows than their workspace's: PostgreSQL lets a row
-- through when any of a table's policies does.

-- Authenticating an API key finds its row by the key's hash before the
-- workspace is known: the transaction names the hash, and sees that row.
CREATE POLICY key_lookup ON api_keys FOR SELECT
    USING (key_hash = decode(NULLIF(current_setting('app.api_key_hash', true), ''), 'hex'));

-- The sweeper deletes the expired idempotency keys of every workspace.
CREATE POLICY sweep_expired ON idempotency_keys FOR SELECT
    USING (current_setting('app.sweep', true) = 'on' AND expires_at < now());
CREATE POLICY sweep_expired_delete ON idempotency_keys FOR DELETE
    USING (current_setting('app.sweep', true) = 'on' AND expires_at < now());

-- `server check-phones` reads the phones of every workspace: a
-- transaction that sets app.phone_check to on sees them all, and may only
-- read them.
CREATE POLICY phone_check ON phones FOR SELECT
    USING (current_setting('app.phone_check', true) = 'on');

-- The pruner deletes the events of every workspace past the retention,
-- which app.event_retention names (as an interval).
CREATE POLICY prune_expired ON events FOR SELECT
    USING (occurred_at < now() - NULLIF(current_setting('app.event_retention', true), '')::interval);
CREATE POLICY prune_expired_delete ON events FOR DELETE
    USING (occurred_at < now() - NULLIF(current_setting('app.event_retention', true), '')::interval);

-- The relay sees and marks the deliveries of every workspace that wait
-- for the queue, and nothing else.
CREATE POLICY relay_pending ON webhook_deliveries FOR SELECT
    USING (current_setting('app.webhook_relay', true) = 'on' AND NOT enqueued);
CREATE POLICY relay_mark ON webhook_deliveries FOR UPDATE
    USING (current_setting('app.webhook_relay', true) = 'on' AND NOT enqueued)
    WITH CHECK (current_setting('app.webhook_relay', true) = 'on');
