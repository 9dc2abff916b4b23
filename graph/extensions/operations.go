package extensions

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/metrics"
)

// OperationRecorder notes the name and type of each request's operation
// in its record, for the request log and the metrics: the name the client
// sent as soon as the parameters are read, so that it is known even when
// the document fails to parse, then the parsed operation's.
type OperationRecorder struct{}

var (
	_ graphql.HandlerExtension          = OperationRecorder{}
	_ graphql.OperationParameterMutator = OperationRecorder{}
	_ graphql.OperationInterceptor      = OperationRecorder{}
)

// ExtensionName names the recorder in gqlgen's statistics.
func (OperationRecorder) ExtensionName() string { return "OperationRecorder" }

// Validate accepts any schema.
func (OperationRecorder) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters notes the operation name the client sent.
func (OperationRecorder) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	request.Of(ctx).SetOperation(params.OperationName, "", "")
	return nil
}

// InterceptOperation notes the parsed operation's name, type and root
// field.
func (OperationRecorder) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op != nil {
		request.Of(ctx).SetOperation(op.Name, string(op.Operation), rootField(op))
	}
	return next(ctx)
}

// rootField returns the name of the root field that a valid operation
// selects, through its fragments, or metrics.SeveralFields. Each fragment
// is looked at once, however often it is spread.
func rootField(op *ast.OperationDefinition) string {
	field, several := "", false
	seen := map[*ast.FragmentDefinition]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				several = several || field != "" && sel.Name != field
				field = sel.Name
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if sel.Definition != nil && !seen[sel.Definition] {
					seen[sel.Definition] = true
					walk(sel.Definition.SelectionSet)
				}
			}
		}
	}
	walk(op.SelectionSet)
	if several {
		return metrics.SeveralFields
	}
	return field
}
