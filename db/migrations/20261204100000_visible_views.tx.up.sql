-- Lists and search under row-level security. A policy is a security
-- barrier: PostgreSQL tests a condition that is not leakproof (LIKE,
-- starts_with, &&, @>) only on the rows the policy lets through, so that
-- no index serves it, and the search functions of
-- 20261123600000_search_functions, which ran the indexed LIKE as the
-- tables' owner, returned every match to be fetched and sorted before the
-- page was cut (95 to 256 ms for a common word among 1,000,000 contacts).
--
-- The list and search statements read these views instead: each is its
-- table's rows of the workspace the transaction names, the same rows as
-- the policy lets through, and like the policy it shows none when the
-- transaction names no workspace. A view is not a security barrier: the
-- planner may test the statement's conditions before the view's own, and
-- so use the trigram and order indexes and stop after a page, as without
-- row-level security. Its tables are read as the view's owner (the role
-- that migrates): when that role bypasses row-level security (a superuser,
-- or BYPASSRLS), the view's condition is the wall, and the indexes serve;
-- otherwise the policies hold inside the view too, and the statements
-- stay correct but cannot use those indexes.
--
-- SELECT * is expanded when a view is created: a migration that adds a
-- column to one of these tables recreates its view (a test compares their
-- columns).

CREATE VIEW visible_contacts AS SELECT * FROM contacts WHERE workspace_id = current_workspace_id();
CREATE VIEW visible_accounts AS SELECT * FROM accounts WHERE workspace_id = current_workspace_id();
CREATE VIEW visible_phones AS SELECT * FROM phones WHERE workspace_id = current_workspace_id();
GRANT SELECT ON visible_contacts, visible_accounts, visible_phones TO contacts_api;

DROP FUNCTION contact_ids_with_phone_matching(uuid, text);
DROP FUNCTION account_ids_matching(uuid, text);
DROP FUNCTION contact_ids_matching(uuid, text);
