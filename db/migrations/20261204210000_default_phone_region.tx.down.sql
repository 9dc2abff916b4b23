DROP POLICY phone_check ON phones;
ALTER TABLE workspaces DROP COLUMN default_phone_region;
