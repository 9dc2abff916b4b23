DROP TABLE idempotency_keys;
DROP INDEX contacts_merged_external_ids_idx;
ALTER TABLE contacts DROP COLUMN merged_external_ids;
