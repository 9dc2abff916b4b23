package httpapi

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/contacts-api/contacts/graph"
)

func TestPlaygroundQueryIsValid(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Name: "playground", Input: playgroundQuery})
	if err != nil {
		t.Fatalf("the playground's default document does not parse: %v", err)
	}
	if errs := validator.ValidateWithRules(graph.NewExecutableSchema(graph.Config{}).Schema(), doc, nil); len(errs) > 0 {
		t.Fatalf("the playground's default document is not valid against the schema: %v", errs)
	}
}
