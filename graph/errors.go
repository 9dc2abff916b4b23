package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// errorPresenter returns the presenter that decides what a client sees of
// an error, and notes its code for the request log and metrics.
func errorPresenter(hideSuggestions bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := present(ctx, err, hideSuggestions)
		recordOf(ctx).addErrors(gqlErr)
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
			markNotKept(ctx)
		}
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		gqlErr.Message = e.Message
		gqlErr.Extensions = map[string]any{"code": e.Code}
		return gqlErr
	}
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || gqlErr.Err != nil {
		return internalError(ctx, err)
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

// internalError logs err with the request id and returns what the client
// may see of it.
func internalError(ctx context.Context, err error) *gqlerror.Error {
	id := RequestID(ctx)
	slog.ErrorContext(ctx, "request failed", "request_id", id, "error", err)
	markNotKept(ctx)
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

// retryAfterSeconds is the Retry-After of a 503: PostgreSQL restarting
// after a crash or a failover takes seconds.
const retryAfterSeconds = "1"

type outageKey struct{}

// trackOutage returns a context in which the request notes the COMMITs it
// sends and the outages of the database it meets (see outageUnanswered).
func trackOutage(ctx context.Context) context.Context {
	return context.WithValue(db.TrackCommits(ctx), outageKey{}, new(atomic.Bool))
}

// noteOutage records that the request in ctx met an unreachable database,
// and reports whether the request is sure to have written nothing: no
// COMMIT was sent, whose answer may have been lost after it went through.
func noteOutage(ctx context.Context) bool {
	if db.CommitAttempted(ctx) {
		return false
	}
	if met, ok := ctx.Value(outageKey{}).(*atomic.Bool); ok {
		met.Store(true)
	}
	return true
}

// outageUnanswered reports whether the request in ctx met an unreachable
// database and wrote nothing, even after the outage (a later mutation of
// the same request may have): then it may be sent again as it is, and is
// answered 503.
func outageUnanswered(ctx context.Context) bool {
	met, _ := ctx.Value(outageKey{}).(*atomic.Bool)
	return met != nil && met.Load() && !db.CommitAttempted(ctx)
}

// recoverPanic turns a panic in a resolver into an INTERNAL error whose
// log has the stack; the process keeps serving.
func recoverPanic(ctx context.Context, p any) error {
	return fmt.Errorf("panic: %v\n%s", p, debug.Stack())
}

// recoverPanics answers a request whose handler panicked outside GraphQL
// (in authentication, say) with INTERNAL and the request id, and logs the
// panic with its stack under that id; the process keeps serving.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			switch p := recover(); p {
			case nil:
			case http.ErrAbortHandler: // the server's way to abort a response
				panic(p)
			default:
				writeGraphQLError(r.Context(), w, http.StatusInternalServerError, internalError(r.Context(), recoverPanic(r.Context(), p)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
