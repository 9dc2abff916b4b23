ALTER TABLE contacts ADD COLUMN nickname text;

CREATE OR REPLACE VIEW visible_contacts AS
    SELECT * FROM contacts WHERE workspace_id = (SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid);
