package graph

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/metrics"
	"github.com/contacts-api/contacts/service"
)

// unloggedPaths are polled by machines; a line per poll would drown the
// log.
var unloggedPaths = map[string]bool{"/healthz": true, "/readyz": true}

// maxLoggedOperationName bounds the length of a client-chosen operation
// name in the log.
const maxLoggedOperationName = 128

// requestRecord is what the request log and the metrics say of a request.
// The layers that learn each part fill it in through the request's
// context, while the request runs.
type requestRecord struct {
	mu        sync.Mutex
	principal *auth.Principal
	// operation and opType are the GraphQL operation's name and type
	// (query, mutation), when the request got that far; field is the
	// root field it selects, for the metrics (see metrics.Request).
	operation  string
	opType     string
	field      string
	errorCodes []string
}

type requestRecordKey struct{}

// recordOf returns the record of the request in ctx; nil outside a
// request, which its methods accept.
func recordOf(ctx context.Context) *requestRecord {
	r, _ := ctx.Value(requestRecordKey{}).(*requestRecord)
	return r
}

func (r *requestRecord) setPrincipal(p *auth.Principal) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.principal = p
}

func (r *requestRecord) setOperation(name, opType, field string) {
	if r == nil {
		return
	}
	if len(name) > maxLoggedOperationName {
		name = name[:maxLoggedOperationName]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.operation, r.opType, r.field = name, opType, field
}

// addErrors notes the codes of errors sent to the client.
func (r *requestRecord) addErrors(errs ...*gqlerror.Error) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range errs {
		if code, ok := e.Extensions["code"].(string); ok {
			r.errorCodes = append(r.errorCodes, code)
		}
	}
}

// observeRequests logs one line for each request when it ends, and counts
// GraphQL requests in m. The line has the request id, the caller's
// workspace, the operation's name and type, the duration, the number of
// SQL statements, the status and the codes of the errors sent; never the
// credential, the query string, variables or any other input.
func observeRequests(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &requestRecord{}
		var statements atomic.Int64
		ctx := db.WithStatementCount(context.WithValue(r.Context(), requestRecordKey{}, rec), &statements)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		elapsed := time.Since(start)

		rec.mu.Lock()
		defer rec.mu.Unlock()
		outcome := outcomeOf(sw.status, rec.errorCodes)
		if r.URL.Path == "/graphql" && r.Method != http.MethodOptions {
			m.ObserveRequest(metrics.Request{
				Field: rec.field, Type: rec.opType, Outcome: outcome,
				Duration: elapsed, ErrorCodes: rec.errorCodes,
			})
		}
		if unloggedPaths[r.URL.Path] {
			return
		}
		attrs := []slog.Attr{
			slog.String("request_id", RequestID(ctx)),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("statements", statements.Load()),
		}
		if p := rec.principal; p != nil {
			attrs = append(attrs, slog.String("workspace", p.WorkspaceID.String()), slog.String("caller", p.Subject))
		}
		if rec.operation != "" || rec.opType != "" {
			attrs = append(attrs, slog.String("operation", rec.operation), slog.String("operation_type", rec.opType))
		}
		if len(rec.errorCodes) > 0 {
			attrs = append(attrs, slog.Any("error_codes", slices.Compact(slices.Sorted(slices.Values(rec.errorCodes)))))
		}
		if sw.Header().Get("Idempotent-Replayed") == "true" {
			attrs = append(attrs, slog.Bool("replayed", true))
		}
		slog.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
}

// outcomeOf classes a request for the metrics: a server error when the
// server failed (a 5xx status or an INTERNAL error), a client error when
// the client was refused or sent something wrong, else ok.
func outcomeOf(status int, errorCodes []string) string {
	switch {
	case status >= 500 || slices.Contains(errorCodes, service.CodeInternal):
		return metrics.OutcomeServerError
	case status >= 400 || len(errorCodes) > 0:
		return metrics.OutcomeClientError
	}
	return metrics.OutcomeOK
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// operationRecorder is a gqlgen extension that notes the name and type of
// each request's operation in its record: the name the client sent as
// soon as the parameters are read, so that it is known even when the
// document fails to parse, then the parsed operation's.
type operationRecorder struct{}

var (
	_ graphql.HandlerExtension          = operationRecorder{}
	_ graphql.OperationParameterMutator = operationRecorder{}
	_ graphql.OperationInterceptor      = operationRecorder{}
)

func (operationRecorder) ExtensionName() string                   { return "OperationRecorder" }
func (operationRecorder) Validate(graphql.ExecutableSchema) error { return nil }

func (operationRecorder) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	recordOf(ctx).setOperation(params.OperationName, "", "")
	return nil
}

func (operationRecorder) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op != nil {
		recordOf(ctx).setOperation(op.Name, string(op.Operation), rootField(op))
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
