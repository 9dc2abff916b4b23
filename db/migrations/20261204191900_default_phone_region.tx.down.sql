ALTER TABLE workspaces DROP COLUMN default_phone_region;
