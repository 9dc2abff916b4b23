DROP VIEW visible_contacts;
ALTER TABLE contacts DROP COLUMN nickname;
CREATE VIEW visible_contacts AS
    SELECT * FROM contacts WHERE workspace_id = (SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid);
GRANT SELECT ON visible_contacts TO contacts_api;
