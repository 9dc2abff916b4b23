package graph

// PersistedQueryCacheSize is persistedQueryCacheSize, for the tests.
const PersistedQueryCacheSize = persistedQueryCacheSize

// PlaygroundQuery is playgroundQuery, for the tests.
const PlaygroundQuery = playgroundQuery

// TopLevelStrings is topLevelStrings, for the tests.
var TopLevelStrings = topLevelStrings

// Plain returns opts without the shortcuts: gqlgen resolves every field
// and the loaders fetch whole records.
func Plain(opts Options) Options {
	opts.plain = true
	return opts
}
