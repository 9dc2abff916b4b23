package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
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
// the key: it must then run the request and call RunIdempotent. A key
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

// errNotKept rolls back a request whose response is not kept.
var errNotKept = errors.New("response not kept")

// RunIdempotent runs the request that owns key (see BeginIdempotent):
// run computes its response in one transaction with everything the
// request reads and writes (db.Store.InRequestTx), and the response is
// kept in that same transaction, so that the request's writes and the
// response its retries get are committed together or not at all. When
// run says its response is not to be kept (a failure, a refusal), or
// anything fails before the commit, a panic included, nothing the request
// wrote stays and the key is released: a retry runs again. RunIdempotent
// returns an error when nothing was committed although run had computed a
// response to keep: the caller must then not send that response.
func (s *Service) RunIdempotent(ctx context.Context, key string, run func(context.Context) (resp StoredResponse, keep bool)) error {
	ws, err := Workspace(ctx)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Only a key still in flight is released: if a commit whose
		// answer was lost went through, the retry finds its response.
		if err := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), ws, key); err != nil {
			slog.ErrorContext(ctx, "release idempotency key", "error", err)
		}
	}()
	err = s.store.InRequestTx(ctx, ws, func(ctx context.Context) error {
		resp, keep := run(ctx)
		if !keep {
			return errNotKept
		}
		return s.store.CompleteIdempotencyKey(ctx, ws, key, resp.Status, resp.ContentType, resp.Body)
	})
	switch {
	case errors.Is(err, errNotKept):
		return nil
	case err != nil:
		return err
	}
	committed = true
	return nil
}

// SweepIdempotencyKeys deletes expired keys every interval until ctx ends.
// A sweep that fails, even by panicking, is logged and tried again at the
// next tick.
func (s *Service) SweepIdempotencyKeys(ctx context.Context, interval time.Duration) {
	every(ctx, interval, s.sweepIdempotencyKeys)
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
