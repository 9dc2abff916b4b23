package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/graph"
)

// schema returns the schema the server executes, as gqlgen generated it
// from schema.graphqls.
func schema() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{}).Schema()
}

// TestEverythingInTheSchemaIsDescribed keeps the schema self-documenting:
// the playground's docs pane and generated clients show these texts.
func TestEverythingInTheSchemaIsDescribed(t *testing.T) {
	var missing []string
	need := func(description, where string) {
		if strings.TrimSpace(description) == "" {
			missing = append(missing, where)
		}
	}
	s := schema()
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		need(def.Description, kindName(def.Kind)+" "+name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") { // introspection, described by GraphQL itself
				continue
			}
			need(f.Description, kindName(def.Kind)+" field "+name+"."+f.Name)
			for _, arg := range f.Arguments {
				need(arg.Description, "argument "+name+"."+f.Name+"("+arg.Name+":)")
			}
		}
		for _, v := range def.EnumValues {
			need(v.Description, "enum value "+name+"."+v.Name)
		}
	}
	for name, d := range s.Directives {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
			continue
		}
		need(d.Description, "directive @"+name)
		for _, arg := range d.Arguments {
			need(arg.Description, "argument @"+name+"("+arg.Name+":)")
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("schema.graphqls: %s has no description", m)
	}
}

// kindName names a kind of type as the schema language writes it.
func kindName(k ast.DefinitionKind) string {
	switch k {
	case ast.InputObject:
		return "input"
	case ast.Object:
		return "type"
	}
	return strings.ToLower(string(k))
}
