package extensions

import (
	"math"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/contacts-api/contacts/graph"
)

// CostOf returns the cost QueryShape measures of query, or fails t when
// query is not a valid document.
func CostOf(t testing.TB, query string, vars map[string]any) int {
	t.Helper()
	es := graph.NewLayer(nil).Schema()
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, rules.NewDefaultRules())
	if len(errs) > 0 {
		t.Fatalf("%s: %v", query, errs)
	}
	w := shapeWalker{ctx: t.Context(), es: es, plain: plainFields(es), vars: vars, maxAliases: math.MaxInt, fragments: doc.Fragments, measured: map[string]*shape{}}
	s, err := w.selectionSet(doc.Operations[0].SelectionSet)
	if err != nil {
		t.Fatal(err)
	}
	return s.cost
}
