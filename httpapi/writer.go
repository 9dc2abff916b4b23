package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/graph/request"
)

// retryAfterSeconds is the Retry-After of a 503: PostgreSQL restarting
// after a crash or a failover takes seconds.
const retryAfterSeconds = "1"

// responseWriter is the handler's one wrapper of a response. It notes the
// status for the request log; and when it holds the response (that of an
// idempotent request, until its transaction commits), it keeps the status
// and the body in memory instead of sending them. Its headers are always
// the real writer's.
type responseWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	// held, when not nil, keeps the body instead of sending it.
	held *bytes.Buffer
	// beforeSend, when set, runs once as the response starts to be sent.
	beforeSend func()
}

// newResponseWriter returns w wrapped to note its status.
func newResponseWriter(w http.ResponseWriter) *responseWriter {
	return &responseWriter{ResponseWriter: w, status: http.StatusOK}
}

// holdingWriter returns a writer with w's headers that holds the status
// and the body until they are sent with sendHeld.
func holdingWriter(w http.ResponseWriter) *responseWriter {
	return &responseWriter{ResponseWriter: w, status: http.StatusOK, held: &bytes.Buffer{}}
}

// WriteHeader notes the first status written, and sends it unless the
// writer holds the response.
func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.status, w.wroteHeader = status, true
	if w.held == nil {
		w.send(status)
	}
}

// Write sends b, or holds it.
func (w *responseWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.held != nil {
		return w.held.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// sendHeld sends the response w held.
func (w *responseWriter) sendHeld() {
	// Its length, whatever a handler declared for a body it wrote before
	// an error took its place.
	w.Header().Set("Content-Length", strconv.Itoa(w.held.Len()))
	w.send(w.status)
	w.ResponseWriter.Write(w.held.Bytes())
}

// send starts sending the response with status.
func (w *responseWriter) send(status int) {
	if f := w.beforeSend; f != nil {
		w.beforeSend = nil
		f()
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeGraphQLError answers a request that GraphQL did not run with err;
// a 503 (the database failed before GraphQL ran) says when to retry.
func writeGraphQLError(ctx context.Context, w http.ResponseWriter, status int, err *gqlerror.Error) {
	request.Of(ctx).AddErrors(err)
	// A length declared for the body this error replaces (a response
	// held, or cut short by a panic) is not this body's.
	w.Header().Del("Content-Length")
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": gqlerror.List{err}})
}

// writeRefusal answers a request refused before GraphQL ran with an
// error of code.
func writeRefusal(ctx context.Context, w http.ResponseWriter, status int, code, message string) {
	writeGraphQLError(ctx, w, status, &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}})
}
