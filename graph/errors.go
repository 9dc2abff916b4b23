package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/service"
)

// presentError decides what a client sees of an error, and notes its code
// for the request log and metrics.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := present(ctx, err)
	recordOf(ctx).addErrors(gqlErr)
	return gqlErr
}

// present decides what a client sees of an error. Errors the service
// marked safe keep their message and code; errors of GraphQL itself
// (parsing, validation, arguments) keep theirs; anything else is logged in
// full and shown as INTERNAL with the request id.
func present(ctx context.Context, err error) *gqlerror.Error {
	if e, ok := service.AsError(err); ok {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		gqlErr.Message = e.Message
		gqlErr.Extensions = map[string]any{"code": e.Code}
		return gqlErr
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		return graphql.DefaultErrorPresenter(ctx, err)
	}
	return internalError(ctx, err)
}

// internalError logs err with the request id and returns what the client
// may see of it.
func internalError(ctx context.Context, err error) *gqlerror.Error {
	id := RequestID(ctx)
	slog.ErrorContext(ctx, "request failed", "request_id", id, "error", err)
	markFailed(ctx)
	return &gqlerror.Error{
		Message:    fmt.Sprintf("Internal error; quote request id %s when reporting it.", id),
		Path:       graphql.GetPath(ctx),
		Extensions: map[string]any{"code": service.CodeInternal, "requestId": id},
	}
}

// recoverPanic turns a panic in a resolver into an INTERNAL error; the
// process keeps serving.
func recoverPanic(ctx context.Context, p any) error {
	return fmt.Errorf("panic: %v", p)
}
