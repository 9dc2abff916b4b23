package graph

import (
	"context"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/service"
)

// scopeDirective is the schema's directive that names the scope a root
// field needs when it is not the default of its type.
const scopeDirective = "scope"

// rootFieldScopes is the API's scope rule, read from the schema once: the
// scope each root field needs, @scope's name or the default of its type,
// contacts:read for a query field and contacts:write for a mutation field.
// node(id:) holds ApiKey ids to keys:admin as well (see service.Reads.APIKeys). An
// empty scope needs none: any valid credential may ask who it is.
type rootFieldScopes map[*ast.FieldDefinition]string

// scopesOf reads the scope rule of schema. A @scope that names a scope
// no token can carry is an error.
func scopesOf(schema *ast.Schema) (rootFieldScopes, error) {
	scopes := rootFieldScopes{}
	for _, root := range []struct {
		def      *ast.Definition
		fallback string
	}{{schema.Query, auth.ScopeRead}, {schema.Mutation, auth.ScopeWrite}} {
		if root.def == nil {
			continue
		}
		for _, f := range root.def.Fields {
			scopes[f] = root.fallback
			d := f.Directives.ForName(scopeDirective)
			if d == nil {
				continue
			}
			name := d.Arguments.ForName("name").Value.Raw
			if name != "" && !slices.Contains(auth.Scopes, name) {
				return nil, fmt.Errorf("%s.%s: @scope(name: %q) is not one of the scopes %v", root.def.Name, f.Name, name, auth.Scopes)
			}
			scopes[f] = name
		}
	}
	return scopes, nil
}

// require refuses an operation unless the caller holds the scope of every
// root field it selects. It runs before any resolver: a refused operation
// reads and writes nothing.
func (s rootFieldScopes) require(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	for _, scope := range s.required(graphql.GetOperationContext(ctx)) {
		if err := service.RequireScope(ctx, scope); err != nil {
			forbidden := &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": service.CodeForbidden}}
			rec := request.Of(ctx)
			rec.AddErrors(forbidden)
			rec.MarkNotKept()
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{forbidden}})
		}
	}
	return next(ctx)
}

// required returns the scope of each root field the operation selects,
// through fragments and after @skip and @include.
func (s rootFieldScopes) required(opCtx *graphql.OperationContext) []string {
	op := opCtx.Operation
	if op == nil {
		return []string{auth.ScopeRead}
	}
	root, fallback := "Query", auth.ScopeRead
	if op.Operation == ast.Mutation {
		root, fallback = "Mutation", auth.ScopeWrite
	}
	var scopes []string
	for _, f := range graphql.CollectFields(opCtx, op.SelectionSet, []string{root}) {
		scope, ok := s[f.Definition] // not for __typename
		if !ok {
			scope = fallback
		}
		if scope != "" {
			scopes = append(scopes, scope)
		}
	}
	return scopes
}
