package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/graph/fastpath"
	"github.com/contacts-api/contacts/graph/loaders"
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/service"
)

// Layer is the GraphQL layer of the service: its executable schema, and
// the glue that gqlgen runs around the resolvers (the error presenter,
// the scope rule of @scope, the checks of @maxLength, the notes of
// @secret). The HTTP layer builds gqlgen's server of it and puts the glue
// in its place among the extensions.
type Layer struct {
	resolvers *Resolver
	schema    graphql.ExecutableSchema
	scopes    rootFieldScopes
	inputs    *inputChecks
	secrets   secretFields
}

// NewLayer returns the GraphQL layer of svc, its fields priced for the
// complexity limit and the cost budget. It panics when the schema's
// @scope names a scope there is not: the schema is wrong, and no request
// should be served by it.
func NewLayer(svc *service.Service) *Layer {
	resolvers := &Resolver{Service: svc}
	schema := NewExecutableSchema(Config{Resolvers: resolvers, Complexity: complexityRoot()})
	scopes, err := scopesOf(schema.Schema())
	if err != nil {
		panic(fmt.Errorf("schema: %w", err))
	}
	return &Layer{resolvers: resolvers, schema: schema, scopes: scopes, inputs: &inputChecks{}, secrets: secretFieldsOf(schema.Schema())}
}

// Schema returns the executable schema.
func (l *Layer) Schema() graphql.ExecutableSchema { return l.schema }

// InputChecks returns the extension that refuses, before any resolver
// runs, an argument that breaks @maxLength or cannot be stored (see
// inputs.go); a mutation gets the problems of its own as user errors.
func (l *Layer) InputChecks() graphql.HandlerExtension { return l.inputs }

// Install puts the rest of the glue on srv: the error presenter and the
// recover func, then, around each operation, the scope rule and the root
// lookups of a query fetched together; around each root field, fresh
// loaders for a mutation and its input problems; around each field, the
// notes of the secrets it shows.
func (l *Layer) Install(srv *handler.Server, hideSuggestions bool) {
	srv.SetErrorPresenter(errorPresenter(hideSuggestions))
	srv.SetRecoverFunc(RecoverPanic)
	srv.AroundOperations(l.scopes.require)
	srv.AroundOperations(withRootLookups)
	srv.AroundRootFields(freshLoadersForMutations)
	srv.AroundRootFields(l.inputs.refuseInput)
	srv.AroundFields(l.secrets.note)
}

// InstallFastPath puts the fast path (graph/fastpath) on srv: the loaders
// fetch only the columns an operation selects, and the fields it can
// serve are written without gqlgen's resolvers.
func (l *Layer) InstallFastPath(srv *handler.Server) {
	fastpath.Install(srv, l.schema, l.resolvers)
}

// freshLoadersForMutations empties the loaders' caches before each
// mutation, so that what it returns reflects what it wrote.
func freshLoadersForMutations(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		loaders.For(ctx).ClearAll()
	}
	return next(ctx)
}

// WithheldSecrets returns a context in which the secrets a response shows
// are noted (see secrets.go), and the function that returns a copy of the
// response without them: the copy kept for retries with the same
// Idempotency-Key.
func WithheldSecrets(ctx context.Context) (context.Context, func(body []byte) []byte) {
	shown := &shownSecrets{}
	return shownSecretsKey.With(ctx, shown), shown.withhold
}

// ServeLive has the layer serve subscriptions from hub.
func (l *Layer) ServeLive(hub *live.Hub) { l.resolvers.Live = hub }
