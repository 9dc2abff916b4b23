package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/service"
)

// idempotent makes POST requests that carry an Idempotency-Key safe to
// retry: the first response is kept and replayed to retries with the same
// key and body, and the work is done once.
func idempotent(svc *service.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		if len(key) > service.MaxIdempotencyKeyLength {
			writeGraphQLError(ctx, w, http.StatusBadRequest, &gqlerror.Error{
				Message:    "The Idempotency-Key header must be 1 to " + strconv.Itoa(service.MaxIdempotencyKeyLength) + " characters.",
				Extensions: map[string]any{"code": service.CodeBadUserInput},
			})
			return
		}
		hash := sha256.Sum256(requestBody(ctx))
		rec := &responseRecorder{header: w.Header(), status: http.StatusOK}
		stored, err := svc.Idempotent(ctx, key, hash[:], func(ctx context.Context) (service.StoredResponse, bool) {
			return runOnce(next, rec, r.WithContext(ctx))
		})
		switch {
		case err != nil:
			// A response the server failed to commit is not sent: the
			// client would take it for done.
			writeIdempotencyError(ctx, w, err)
		case stored != nil:
			w.Header().Set("Content-Type", stored.ContentType)
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			w.Write(stored.Body)
		default:
			w.WriteHeader(rec.status)
			w.Write(rec.body.Bytes())
		}
	})
}

// runOnce runs the request that owns an idempotency key into rec, in the
// transaction that keeps its response for retries (see
// service.Idempotent), and returns that response without the secrets it
// shows (secrets.go), and whether to keep it.
func runOnce(next http.Handler, rec *responseRecorder, r *http.Request) (service.StoredResponse, bool) {
	var notKept atomic.Bool
	shown := &shownSecrets{}
	next.ServeHTTP(rec, r.WithContext(withShownSecrets(context.WithValue(r.Context(), notKeptKey{}, &notKept), shown)))
	keep := !notKept.Load() && rec.status < http.StatusInternalServerError
	return service.StoredResponse{Status: rec.status, ContentType: rec.header.Get("Content-Type"), Body: shown.withhold(rec.body.Bytes())}, keep
}

func writeIdempotencyError(ctx context.Context, w http.ResponseWriter, err error) {
	e, ok := service.AsError(err)
	if !ok {
		writeGraphQLError(ctx, w, http.StatusServiceUnavailable, internalError(ctx, err))
		return
	}
	status := http.StatusConflict
	if e == service.ErrIdempotencyKeyReused {
		status = http.StatusUnprocessableEntity
	}
	writeGraphQLError(ctx, w, status, &gqlerror.Error{Message: e.Message, Extensions: map[string]any{"code": e.Code}})
}

// responseRecorder keeps a response in memory; its headers are the real
// writer's.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *responseRecorder) Header() http.Header         { return r.header }
func (r *responseRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *responseRecorder) WriteHeader(status int)      { r.status = status }

type notKeptKey struct{}

// markNotKept records that the response of the request in ctx must not be
// kept for its Idempotency-Key: the server failed, or refused the caller
// (a missing scope, a spent rate limit). Such an answer says nothing of
// the request itself, and would refuse a retry that may now succeed.
func markNotKept(ctx context.Context) {
	if notKept, ok := ctx.Value(notKeptKey{}).(*atomic.Bool); ok {
		notKept.Store(true)
	}
}
