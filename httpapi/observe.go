package httpapi

import (
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/metrics"
	"github.com/contacts-api/contacts/service"
)

// unloggedPaths are polled by machines; a line per poll would drown the
// log.
var unloggedPaths = map[string]bool{"/healthz": true, "/readyz": true}

// observeRequests logs one line for each request when it ends, and counts
// GraphQL requests in m. The line has the request id, the caller's
// workspace, the operation's name and type, the duration, the number of
// SQL statements, the status and the codes of the errors sent; never the
// credential, the query string, variables or any other input.
func observeRequests(m *metrics.Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			var statements atomic.Int64
			ctx, rec := request.Start(r.Context(), w.Header())
			ctx = db.WithStatementCount(ctx, &statements)
			rw := newResponseWriter(w)
			next.ServeHTTP(rw, r.WithContext(ctx))
			elapsed := time.Since(start)
			if rw.wroteHeader {
				// The client has its answer before the server writes
				// the log line and the metrics, rather than after: a
				// log write that waits (on its lock, or a slow log
				// collector) delays no answer.
				http.NewResponseController(rw).Flush()
			}

			sum := rec.Summary()
			outcome := outcomeOf(rw.status, sum.ErrorCodes)
			if r.URL.Path == "/graphql" && r.Method != http.MethodOptions {
				m.ObserveRequest(metrics.Request{
					Field: sum.Field, Type: sum.OpType, Outcome: outcome,
					Duration: elapsed, ErrorCodes: sum.ErrorCodes,
				})
			}
			if unloggedPaths[r.URL.Path] {
				return
			}
			attrs := []slog.Attr{
				slog.String("request_id", request.ID(ctx)),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rw.status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.Int64("statements", statements.Load()),
			}
			if p := sum.Principal; p != nil {
				attrs = append(attrs, slog.String("workspace", p.WorkspaceID.String()), slog.String("caller", p.Subject))
			}
			if sum.Operation != "" || sum.OpType != "" {
				attrs = append(attrs, slog.String("operation", sum.Operation), slog.String("operation_type", sum.OpType))
			}
			if len(sum.ErrorCodes) > 0 {
				attrs = append(attrs, slog.Any("error_codes", slices.Compact(slices.Sorted(slices.Values(sum.ErrorCodes)))))
			}
			if rw.Header().Get("Idempotent-Replayed") == "true" {
				attrs = append(attrs, slog.Bool("replayed", true))
			}
			slog.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
		})
	}
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
				writeGraphQLError(r.Context(), w, http.StatusInternalServerError, graph.InternalError(r.Context(), graph.RecoverPanic(r.Context(), p)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
