package graph

// PersistedQueryCacheSize is persistedQueryCacheSize, for the tests.
const PersistedQueryCacheSize = persistedQueryCacheSize

// PlaygroundQuery is playgroundQuery, for the tests.
const PlaygroundQuery = playgroundQuery

// TopLevelStrings is topLevelStrings, for the tests.
var TopLevelStrings = topLevelStrings
