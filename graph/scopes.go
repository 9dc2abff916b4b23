package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/service"
)

// rootFieldScopes is the API's scope rule: the scope each root field
// needs, when it is not the default of its operation, contacts:read for a
// query field and contacts:write for a mutation field. node(id:) holds
// ApiKey ids to keys:admin as well (see loadNode). An empty scope needs
// none: any valid credential may ask who it is.
var rootFieldScopes = map[string]string{
	"apiKeys":      auth.ScopeKeysAdmin,
	"createApiKey": auth.ScopeKeysAdmin,
	"revokeApiKey": auth.ScopeKeysAdmin,
	"viewer":       "",

	"webhookEndpoints": auth.ScopeWebhooksAdmin, "webhookDeliveries": auth.ScopeWebhooksAdmin,
	"createWebhookEndpoint": auth.ScopeWebhooksAdmin, "updateWebhookEndpoint": auth.ScopeWebhooksAdmin,
	"deleteWebhookEndpoint": auth.ScopeWebhooksAdmin, "rotateWebhookSecret": auth.ScopeWebhooksAdmin,
	"redeliverWebhook": auth.ScopeWebhooksAdmin,
}

// requireScope refuses an operation unless the caller holds the scope of
// every root field it selects. It runs before any resolver: a refused
// operation reads and writes nothing.
func requireScope(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	for _, scope := range requiredScopes(graphql.GetOperationContext(ctx)) {
		if err := service.RequireScope(ctx, scope); err != nil {
			forbidden := &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": service.CodeForbidden}}
			recordOf(ctx).addErrors(forbidden)
			markNotKept(ctx)
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{forbidden}})
		}
	}
	return next(ctx)
}

// requiredScopes returns the scope of each root field the operation
// selects, through fragments and after @skip and @include.
func requiredScopes(opCtx *graphql.OperationContext) []string {
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
		scope, ok := rootFieldScopes[f.Name]
		if !ok {
			scope = fallback
		}
		if scope != "" {
			scopes = append(scopes, scope)
		}
	}
	return scopes
}
