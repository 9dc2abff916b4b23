DROP FUNCTION contact_ids_with_phone_matching(uuid, text);
DROP FUNCTION account_ids_matching(uuid, text);
DROP FUNCTION contact_ids_matching(uuid, text);
