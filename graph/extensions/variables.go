package extensions

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// StrictVariables refuses the variable values that gqlparser coerces but
// the GraphQL specification does not: a JSON number for a String (gqlparser
// sees the decoder's json.Number as a string) and a JSON string for an Int
// or a Float. Inline, the same values are refused; in variables they were
// stored as text.
type StrictVariables struct {
	schema *ast.Schema
}

var (
	_ graphql.HandlerExtension        = (*StrictVariables)(nil)
	_ graphql.OperationContextMutator = (*StrictVariables)(nil)
)

// ExtensionName names the extension for gqlgen.
func (*StrictVariables) ExtensionName() string { return "StrictVariables" }

// Validate keeps the schema the variables' types are looked up in.
func (s *StrictVariables) Validate(es graphql.ExecutableSchema) error {
	s.schema = es.Schema()
	return nil
}

// MutateOperationContext checks the coerced variables against their
// declared types, before any resolver runs.
func (s *StrictVariables) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	for _, def := range opCtx.Operation.VariableDefinitions {
		if err := s.check(opCtx.Variables[def.Variable], def.Type, ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}); err != nil {
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
	}
	return nil
}

func (s *StrictVariables) check(value any, typ *ast.Type, path ast.Path) *gqlerror.Error {
	if value == nil {
		return nil
	}
	if typ.Elem != nil {
		items, ok := value.([]any)
		if !ok {
			return s.check(value, typ.Elem, path) // a single value is a list of one
		}
		for i, item := range items {
			if err := s.check(item, typ.Elem, append(path, ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := s.schema.Types[typ.NamedType]
	switch {
	case def == nil:
		return nil
	case def.Kind == ast.InputObject:
		fields, _ := value.(map[string]any)
		for _, f := range def.Fields {
			if err := s.check(fields[f.Name], f.Type, append(path, ast.PathName(f.Name))); err != nil {
				return err
			}
		}
	case typ.NamedType == "String":
		if _, isNumber := value.(json.Number); isNumber {
			return gqlerror.ErrorPathf(path, "cannot use a number as String: send it as a JSON string")
		}
	case typ.NamedType == "Int" || typ.NamedType == "Float":
		if _, isString := value.(string); isString {
			return gqlerror.ErrorPathf(path, "cannot use a string as %s: send it as a JSON number", typ.NamedType)
		}
	}
	return nil
}
