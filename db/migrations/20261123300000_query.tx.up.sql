-- The query side: sorted, filtered and searched lists, and custom fields.
-- Every index of a list leads with workspace_id, so that a workspace's
-- pages never wade through another's rows. The expressions below must stay
-- those of db/list.go, db/filter.go and db/search.go, or the planner will
-- not use them.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

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

-- Custom fields: their definitions, and each record's values by slug.
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

ALTER TABLE contacts ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}';
CREATE INDEX contacts_custom_fields_idx ON contacts USING gin (custom_fields jsonb_path_ops);
CREATE INDEX accounts_custom_fields_idx ON accounts USING gin (custom_fields jsonb_path_ops);
