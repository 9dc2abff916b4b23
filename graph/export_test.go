package graph

// PersistedQueryCacheSize is persistedQueryCacheSize, for the tests.
const PersistedQueryCacheSize = persistedQueryCacheSize

// PlaygroundQuery is playgroundQuery, for the tests.
const PlaygroundQuery = playgroundQuery
