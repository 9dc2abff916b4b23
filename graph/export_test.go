package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

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

// CostOf returns the cost queryShape measures of query, or fails t when
// query is not a valid document.
func CostOf(t testing.TB, query string, vars map[string]any) int {
	t.Helper()
	es := NewExecutableSchema(Config{Resolvers: &Resolver{}, Complexity: complexityRoot()})
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, rules.NewDefaultRules())
	if len(errs) > 0 {
		t.Fatalf("%s: %v", query, errs)
	}
	w := shapeWalker{ctx: t.Context(), es: es, vars: vars, maxAliases: maxCost, fragments: doc.Fragments, measured: map[string]*shape{}}
	s, err := w.selectionSet(doc.Operations[0].SelectionSet)
	if err != nil {
		t.Fatal(err)
	}
	return s.cost
}
