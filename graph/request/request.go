// Package request is what the layers of the server learn of one request
// and tell each other through its context, while it runs: its id, its
// caller, its operation, the codes of the errors sent, whether its
// response may be kept for its Idempotency-Key, a refusal of the cost
// budget, and what to give back once its response is written. The HTTP
// layer starts the record; gqlgen's extensions and the GraphQL glue, which
// see no response writer, fill it in.
package request

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/events"
)

// maxLoggedOperationName bounds the length of a client-chosen operation
// name in the log.
const maxLoggedOperationName = 128

// Record is what the request log and the metrics say of a request, and
// what its layers tell each other. Its methods accept a nil record: a
// context outside a request has none.
type Record struct {
	header http.Header

	mu        sync.Mutex
	principal *auth.Principal
	// operation and opType are the GraphQL operation's name and type
	// (query, mutation), when the request got that far; field is the
	// root field it selects, for the metrics.
	operation  string
	opType     string
	field      string
	errorCodes []string
	notKept    bool
	retryAfter time.Duration
	release    []func()
}

// recordKey holds the record of the request of a context.
var recordKey = ctxkey.New[*Record]("request.record")

// Start returns ctx with a new record of the request whose response has
// header.
func Start(ctx context.Context, header http.Header) (context.Context, *Record) {
	r := &Record{header: header}
	return recordKey.With(ctx, r), r
}

// Of returns the record of the request in ctx, or nil.
func Of(ctx context.Context) *Record { return recordKey.Value(ctx) }

// Detach returns ctx without a request's record: for the operations of
// a WebSocket connection, which outlive the request that opened it, and
// whose record (with what it holds until its response) would never end.
func Detach(ctx context.Context) context.Context {
	return recordKey.With(ctx, nil)
}

// Header returns the header of the request's response, for the layers
// that see no response writer.
func (r *Record) Header() http.Header {
	if r == nil {
		return http.Header{}
	}
	return r.header
}

// SetPrincipal notes the caller.
func (r *Record) SetPrincipal(p *auth.Principal) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.principal = p
}

// SetOperation notes the operation's name and type and the root field it
// selects.
func (r *Record) SetOperation(name, opType, field string) {
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

// AddErrors notes the codes of errors sent to the client.
func (r *Record) AddErrors(errs ...*gqlerror.Error) {
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

// MarkNotKept records that the response must not be kept for the
// request's Idempotency-Key: the server failed, or refused the caller (a
// missing scope, a spent rate limit). Such an answer says nothing of the
// request itself, and would refuse a retry that may now succeed.
func (r *Record) MarkNotKept() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notKept = true
}

// NotKept reports whether MarkNotKept was called.
func (r *Record) NotKept() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notKept
}

// RefuseRateLimited records that the cost budget refused the operation:
// its response is a 429 with a Retry-After of retryAfter.
func (r *Record) RefuseRateLimited(retryAfter time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retryAfter = retryAfter
}

// RateLimited returns what RefuseRateLimited recorded, or zero.
func (r *Record) RateLimited() time.Duration {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retryAfter
}

// AfterResponse has f run once the response is written (see
// ResponseWritten); it runs at once without a record.
func (r *Record) AfterResponse(f func()) {
	if r == nil {
		f()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.release = append(r.release, f)
}

// ResponseWritten runs what AfterResponse was given.
func (r *Record) ResponseWritten() {
	if r == nil {
		return
	}
	r.mu.Lock()
	release := r.release
	r.release = nil
	r.mu.Unlock()
	for _, f := range release {
		f()
	}
}

// Summary is what the request log and the metrics say of a request, as its
// record holds it when the request ends.
type Summary struct {
	Principal  *auth.Principal
	Operation  string
	OpType     string
	Field      string
	ErrorCodes []string
}

// Summary returns what the record holds for the log and the metrics.
func (r *Record) Summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Summary{Principal: r.principal, Operation: r.operation, OpType: r.opType, Field: r.field, ErrorCodes: r.errorCodes}
}

// WithID returns ctx with the request's id, kept where the events the
// request writes read it too.
func WithID(ctx context.Context, id string) context.Context {
	return events.WithRequestID(ctx, id)
}

// ID returns the id of the request in ctx.
func ID(ctx context.Context) string { return events.RequestID(ctx) }
