package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/service"
)

// Codes of the errors of hostile or refused requests, in extensions.code,
// whichever layer refuses them: the HTTP layer (body, method, media type,
// rate limits) or gqlgen's extensions (the document's shape, its cost,
// its response).
const (
	CodeBadRequest            = "BAD_REQUEST"
	CodeBodyTooLarge          = "BODY_TOO_LARGE"
	CodeBatchNotSupported     = "BATCHING_NOT_SUPPORTED"
	CodeUnsupportedMediaType  = "UNSUPPORTED_MEDIA_TYPE"
	CodeMethodNotAllowed      = "METHOD_NOT_ALLOWED"
	CodeTooManyTokens         = "TOO_MANY_TOKENS"
	CodeQueryTooDeep          = "QUERY_TOO_DEEP"
	CodeTooManyAliases        = "TOO_MANY_ALIASES"
	CodeTooManyFields         = "TOO_MANY_FIELDS"
	CodeSelectionSetTooWide   = "SELECTION_SET_TOO_WIDE"
	CodeTooManySpreads        = "TOO_MANY_FRAGMENT_SPREADS"
	CodeComplexityLimitExceed = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
	// CodeResponseTooLarge ends an operation whose response grew past
	// MaxResponseBytes.
	CodeResponseTooLarge = "RESPONSE_TOO_LARGE"
	// CodeRateLimited refuses a request over a rate limit, with HTTP 429.
	CodeRateLimited = "RATE_LIMITED"
	// CodeServerBusy refuses, with 503 and Retry-After, a request whose
	// body found no room in MaxInflightBodyBytes, or that waited too long
	// for its turn to run (DATABASE_POOL_SIZE run at once).
	CodeServerBusy = "SERVER_BUSY"
)

func init() {
	// Refusals of a document's shape are protocol errors, like those of
	// parsing and validation: 400 (or 422 for application/json).
	for _, code := range []string{
		CodeTooManyTokens, CodeTooManyFields, CodeSelectionSetTooWide, CodeTooManySpreads,
		CodeQueryTooDeep, CodeTooManyAliases, CodeComplexityLimitExceed, CodeIntrospectionDisabled,
	} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// errorPresenter returns the presenter that decides what a client sees of
// an error, and notes its code for the request log and metrics.
func errorPresenter(hideSuggestions bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := present(ctx, err, hideSuggestions)
		request.Of(ctx).AddErrors(gqlErr)
		return gqlErr
	}
}

// present decides what a client sees of an error. Errors the service
// marked safe keep their message and code; errors of GraphQL itself
// (parsing, validation, arguments) keep theirs, without "Did you mean"
// suggestions when hideSuggestions is set; anything else is logged in full
// and shown as INTERNAL with the request id.
func present(ctx context.Context, err error, hideSuggestions bool) *gqlerror.Error {
	if e, ok := service.AsError(err); ok {
		if e.Code == service.CodeForbidden || e.Code == service.CodeUnauthenticated {
			request.Of(ctx).MarkNotKept()
		}
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		gqlErr.Message = e.Message
		gqlErr.Extensions = map[string]any{"code": e.Code}
		return gqlErr
	}
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || gqlErr.Err != nil {
		return InternalError(ctx, err)
	}
	gqlErr = graphql.DefaultErrorPresenter(ctx, err)
	if strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
		gqlErr.Extensions = map[string]any{"code": CodeTooManyTokens}
	}
	if hideSuggestions {
		gqlErr.Message = suggestion.ReplaceAllString(gqlErr.Message, "")
	}
	return gqlErr
}

// suggestion matches the hints that GraphQL validation adds to its
// errors, such as ` Did you mean "contacts"?`: they spell out the schema
// to whoever probes it.
var suggestion = regexp.MustCompile(` ?Did you mean [^?]*\?`)

// InternalError logs err with the request id and returns what the client
// may see of it.
func InternalError(ctx context.Context, err error) *gqlerror.Error {
	id := request.ID(ctx)
	slog.ErrorContext(ctx, "request failed", "request_id", id, "error", err)
	request.Of(ctx).MarkNotKept()
	if db.IsUnavailable(err) && noteOutage(ctx) {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("The database is unavailable and nothing was done; retry in a moment (request id %s).", id),
			Path:       graphql.GetPath(ctx),
			Extensions: map[string]any{"code": service.CodeUnavailable, "requestId": id},
		}
	}
	return &gqlerror.Error{
		Message:    fmt.Sprintf("Internal error; quote request id %s when reporting it.", id),
		Path:       graphql.GetPath(ctx),
		Extensions: map[string]any{"code": service.CodeInternal, "requestId": id},
	}
}

// outageKey holds whether the request of a context met an unreachable
// database.
var outageKey = ctxkey.New[*atomic.Bool]("graph.outage")

// TrackOutage returns a context in which the request notes the COMMITs it
// sends and the outages of the database it meets (see OutageUnanswered).
func TrackOutage(ctx context.Context) context.Context {
	return outageKey.With(db.TrackCommits(ctx), new(atomic.Bool))
}

// noteOutage records that the request in ctx met an unreachable database,
// and reports whether the request is sure to have written nothing: no
// COMMIT was sent, whose answer may have been lost after it went through.
func noteOutage(ctx context.Context) bool {
	if db.CommitAttempted(ctx) {
		return false
	}
	if met, ok := outageKey.Lookup(ctx); ok {
		met.Store(true)
	}
	return true
}

// OutageUnanswered reports whether the request in ctx met an unreachable
// database and wrote nothing, even after the outage (a later mutation of
// the same request may have): then it may be sent again as it is, and is
// answered 503.
func OutageUnanswered(ctx context.Context) bool {
	met := outageKey.Value(ctx)
	return met != nil && met.Load() && !db.CommitAttempted(ctx)
}

// RecoverPanic turns a panic into an INTERNAL error whose log has the
// stack; the process keeps serving.
func RecoverPanic(ctx context.Context, p any) error {
	return fmt.Errorf("panic: %v\n%s", p, debug.Stack())
}
