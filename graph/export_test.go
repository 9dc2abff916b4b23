package graph

// PersistedQueryCacheSize is persistedQueryCacheSize, for the tests.
const PersistedQueryCacheSize = persistedQueryCacheSize
