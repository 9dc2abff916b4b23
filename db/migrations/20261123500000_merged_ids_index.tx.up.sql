-- Upserts find contacts by the external ids merged into them. Under
-- row-level security, PostgreSQL may not use the GIN index for that test
-- (&& is not leakproof: it must not run on rows the policy hides, so it
-- cannot run inside an index scan) and scanned every contact of the
-- workspace. A btree over the few contacts that have merged ids serves
-- instead: its condition is workspace_id = …, which is leakproof.
DROP INDEX contacts_merged_external_ids_idx;
CREATE INDEX contacts_merged_idx ON contacts (workspace_id) WHERE merged_external_ids <> '{}';
