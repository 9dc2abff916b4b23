DROP INDEX contacts_merged_idx;
CREATE INDEX contacts_merged_external_ids_idx ON contacts USING gin (merged_external_ids);
