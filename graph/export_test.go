package graph

// PersistedQueryCacheSize is persistedQueryCacheSize, for the tests.
const PersistedQueryCacheSize = persistedQueryCacheSize

// PlaygroundQuery is playgroundQuery, for the tests.
const PlaygroundQuery = playgroundQuery

// TopLevelStrings is topLevelStrings, for the tests.
var TopLevelStrings = topLevelStrings

// GqlgenOnly returns opts with every list left to gqlgen, not rendered.
func GqlgenOnly(opts Options) Options {
	opts.gqlgenOnly = true
	return opts
}
