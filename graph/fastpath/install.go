package fastpath

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/graph/loaders"
)

// schemaKey holds the described schema in the context of an operation
// of the fast path.
var schemaKey = ctxkey.New[*Schema]("fastpath.schema")

// fieldKey names a field by its object and its name.
type fieldKey struct{ object, field string }

// Install makes srv, which serves es with resolvers (the generated
// ResolverRoot), serve through the fast path: each operation's loaders
// fetch only the columns it reads, and the entries are rendered here. It
// panics when the schema cannot be described, a bug that shows at start.
func Install(srv *handler.Server, es graphql.ExecutableSchema, resolvers any) {
	s, err := Describe(es.Schema(), resolvers)
	if err != nil {
		panic(err)
	}
	rendered := make(map[fieldKey]*Object, len(entries))
	for _, entry := range entries {
		object, field, _ := strings.Cut(entry, ".")
		def := es.Schema().Types[object].Fields.ForName(field)
		o := s.Objects[def.Type.Name()]
		if o == nil {
			panic(fmt.Sprintf("fastpath: the entry %s is of %s, which is not described", entry, def.Type.Name()))
		}
		rendered[fieldKey{object, field}] = o
	}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		loaders.For(ctx).Projection = s.Projection(graphql.GetOperationContext(ctx))
		return next(batchesKey.With(schemaKey.With(ctx, s), &batches{}))
	})
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		if err != nil {
			return res, err
		}
		fc := graphql.GetFieldContext(ctx)
		o, ok := rendered[fieldKey{fc.Object, fc.Field.Name}]
		if !ok {
			return res, nil
		}
		if m, ok := s.render(ctx, o, fc.Field, res); ok {
			return m, nil
		}
		return res, nil
	})
}
