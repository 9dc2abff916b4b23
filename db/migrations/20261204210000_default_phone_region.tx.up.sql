-- The country whose national form a workspace's phone numbers are in when
-- their input names none. Stored numbers are not checked here: SQL cannot
-- run libphonenumber's rules; `server check-phones` reports the stored
-- numbers that are not valid, and nothing drops them.
ALTER TABLE workspaces
    ADD COLUMN default_phone_region text
        CONSTRAINT workspaces_default_phone_region_check CHECK (default_phone_region ~ '^[A-Z]{2}$');

-- `server check-phones` reads the phones of every workspace: a
-- transaction that sets app.phone_check to on sees them all, and may only
-- read them.
CREATE POLICY phone_check ON phones FOR SELECT
    USING (current_setting('app.phone_check', true) = 'on');
