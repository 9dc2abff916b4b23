DROP FUNCTION refresh_statistics(text[], bigint[]);
