package httpapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/service"
)

// idempotent makes POST requests that carry an Idempotency-Key safe to
// retry: the first response is kept and replayed to retries with the same
// key and body, and the work is done once.
func idempotent(svc *service.Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
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
			hash := sha256.Sum256(requestBodyKey.Value(ctx))
			held := holdingWriter(w)
			stored, err := svc.Idempotent(ctx, key, hash[:], func(ctx context.Context) (service.StoredResponse, bool) {
				return runOnce(next, held, r.WithContext(ctx))
			})
			switch {
			case err != nil:
				// A response the server failed to commit is not sent:
				// the client would take it for done.
				writeIdempotencyError(ctx, w, err)
			case stored != nil:
				w.Header().Set("Content-Type", stored.ContentType)
				w.Header().Set("Idempotent-Replayed", "true")
				w.Header().Set("Content-Length", strconv.Itoa(len(stored.Body)))
				w.WriteHeader(stored.Status)
				w.Write(stored.Body)
			default:
				held.sendHeld()
			}
		})
	}
}

// runOnce runs the request that owns an idempotency key into held, in the
// transaction that keeps its response for retries (see
// service.Idempotent), and returns that response without the secrets it
// shows (see graph.WithheldSecrets), and whether to keep it.
func runOnce(next http.Handler, held *responseWriter, r *http.Request) (service.StoredResponse, bool) {
	ctx, withhold := graph.WithheldSecrets(r.Context())
	next.ServeHTTP(held, r.WithContext(ctx))
	keep := !request.Of(ctx).NotKept() && held.status < http.StatusInternalServerError
	return service.StoredResponse{Status: held.status, ContentType: held.Header().Get("Content-Type"), Body: withhold(held.held.Bytes())}, keep
}

func writeIdempotencyError(ctx context.Context, w http.ResponseWriter, err error) {
	if errors.Is(err, errNoTurn) {
		writeNoTurn(ctx, w)
		return
	}
	e, ok := service.AsError(err)
	if !ok {
		writeGraphQLError(ctx, w, http.StatusServiceUnavailable, graph.InternalError(ctx, err))
		return
	}
	status := http.StatusConflict
	if e == service.ErrIdempotencyKeyReused {
		status = http.StatusUnprocessableEntity
	}
	writeGraphQLError(ctx, w, status, &gqlerror.Error{Message: e.Message, Extensions: map[string]any{"code": e.Code}})
}
