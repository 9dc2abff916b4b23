package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/contacts-api/contacts/auth"
)

// Idempotency keys: the first response to a request sent with an
// Idempotency-Key header is kept per workspace, and a retry with the same
// key and body gets it again without the work being done twice.
const (
	// IdempotencyTTL is how long a key's response is kept.
	IdempotencyTTL = 24 * time.Hour
	// MaxIdempotencyKeyLength bounds a key.
	MaxIdempotencyKeyLength = 255
	// idempotencyAbandonAfter is when an in-flight request is taken to
	// have died with its server; longer than any request may run.
	idempotencyAbandonAfter = 2 * time.Minute
	// idempotencyWait is how long a retry waits for the first request.
	idempotencyWait = 10 * time.Second
	// idempotencyPoll is how often a waiting retry looks again.
	idempotencyPoll = 50 * time.Millisecond
)

// Errors of idempotent requests.
var (
	ErrIdempotencyKeyReused = &Error{
		Code:    "IDEMPOTENCY_KEY_REUSED",
		Message: "This Idempotency-Key was used with another request body or by another credential; use a new key for a new request.",
	}
	ErrIdempotencyInProgress = &Error{
		Code:    "IDEMPOTENCY_IN_PROGRESS",
		Message: "The first request with this Idempotency-Key is still running; retry later.",
	}
)

// StoredResponse is the response kept for an idempotency key.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// BeginIdempotent claims key for a request whose body hashes to hash. It
// returns the stored response to replay, or nil when the caller now owns
// the key: it must then run the request and call FinishIdempotent. A key
// belongs to the credential that first used it: another caller of the
// workspace gets ErrIdempotencyKeyReused, as for another body, and never
// the response. A retry of a request still in flight waits for it, up to
// idempotencyWait.
func (s *Service) BeginIdempotent(ctx context.Context, key string, hash []byte) (*StoredResponse, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, errNoPrincipal
	}
	ws, caller := p.WorkspaceID, sha256.Sum256([]byte(p.Credential()))
	deadline := time.Now().Add(idempotencyWait)
	for {
		owned, err := s.store.ClaimIdempotencyKey(ctx, ws, key, caller[:], hash, IdempotencyTTL, idempotencyAbandonAfter)
		if err != nil || owned {
			return nil, err
		}
		rec, err := s.store.IdempotencyKeyRecord(ctx, ws, key)
		switch {
		case err != nil:
			return nil, err
		case rec == nil:
			continue // released between the two statements: claim again
		case !bytes.Equal(rec.Caller, caller[:]) || !bytes.Equal(rec.RequestHash, hash):
			return nil, ErrIdempotencyKeyReused
		case rec.StatusCode != nil:
			return &StoredResponse{Status: *rec.StatusCode, ContentType: deref(rec.ContentType), Body: rec.Response}, nil
		case time.Now().After(deadline):
			return nil, ErrIdempotencyInProgress
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(idempotencyPoll):
		}
	}
}

// FinishIdempotent keeps the response of the request that owns key. A
// server error is not kept: the key is released, so a retry runs again
// (a failed mutation wrote nothing).
func (s *Service) FinishIdempotent(ctx context.Context, key string, resp StoredResponse) error {
	ws, err := Workspace(ctx)
	if err != nil {
		return err
	}
	if resp.Status >= http.StatusInternalServerError {
		return s.store.ReleaseIdempotencyKey(ctx, ws, key)
	}
	return s.store.CompleteIdempotencyKey(ctx, ws, key, resp.Status, resp.ContentType, resp.Body)
}

// SweepIdempotencyKeys deletes expired keys every interval until ctx ends.
// A sweep that fails, even by panicking, is logged and tried again at the
// next tick.
func (s *Service) SweepIdempotencyKeys(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.sweepIdempotencyKeys(ctx)
		}
	}
}

func (s *Service) sweepIdempotencyKeys(ctx context.Context) {
	defer logPanic(ctx, "sweep idempotency keys")
	n, err := s.store.DeleteExpiredIdempotencyKeys(ctx)
	if err != nil {
		slog.WarnContext(ctx, "sweep idempotency keys", "error", err)
	} else if n > 0 {
		slog.InfoContext(ctx, "swept expired idempotency keys", "deleted", n)
	}
}
