-- The core tables. Every table leads with workspace_id: primary keys,
-- unique rules and foreign keys all include it, so the database itself
-- refuses a reference across workspaces and the tables can later be
-- distributed by workspace_id.

CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    default_portal_role_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
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
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT contacts_external_id_key UNIQUE (workspace_id, external_id),
    FOREIGN KEY (workspace_id, account_id)
        REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
    FOREIGN KEY (workspace_id, portal_role_id) REFERENCES portal_roles (workspace_id, id)
);

CREATE INDEX contacts_account_idx ON contacts (workspace_id, account_id);
CREATE INDEX contacts_portal_role_idx ON contacts (workspace_id, portal_role_id);

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
