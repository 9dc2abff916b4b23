DROP TABLE phones;
DROP TABLE contact_accounts;
DROP TABLE contacts;
DROP TABLE accounts;
ALTER TABLE workspaces DROP CONSTRAINT workspaces_default_portal_role_fkey;
DROP TABLE portal_roles;
DROP TABLE workspaces;
