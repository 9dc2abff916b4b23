package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"time"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/periodic"
)

// Idempotency keys: the first response to a request sent with an
// Idempotency-Key header is kept per workspace, and a retry with the same
// key and body gets it again without the work being done twice.
const (
	// IdempotencyTTL is how long a key's response is kept.
	IdempotencyTTL = 24 * time.Hour
	// MaxIdempotencyKeyLength bounds a key.
	MaxIdempotencyKeyLength = 255
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

// The ways an attempt at an idempotent request ends without a response of
// its own to keep; each rolls back what the attempt wrote.
var (
	// errKeyBusy: another request holds the key.
	errKeyBusy = errors.New("idempotency key in use")
	// errReplayed: the key has a response, which the caller replays.
	errReplayed = errors.New("idempotency key replayed")
	// errNotKept: run said its response is not to be kept.
	errNotKept = errors.New("response not kept")
)

// Idempotent runs a request sent with the Idempotency-Key key, whose body
// hashes to hash, once: the first time, run computes its response in one
// transaction with everything the request reads and writes
// (db.Store.InRequestTx), and the response is kept in that same
// transaction, so that the request's writes and the response its retries
// get commit together or not at all; a retry gets that response, to
// replay, and run is not called.
//
// A request in flight holds its key by a lock of its transaction (see
// db.Store.LockIdempotencyKey): a retry that comes meanwhile waits for it,
// up to idempotencyWait, then gets ErrIdempotencyInProgress. The claim
// dies with the transaction, so a request cut off by an outage of
// PostgreSQL, or by the end of its server, leaves the key free for its
// retry at once.
//
// A key belongs to the credential that first used it: another caller of
// the workspace gets ErrIdempotencyKeyReused, as for another body, and
// never the response. When run says its response is not to be kept (a
// failure, a refusal), or anything fails before the commit, a panic
// included, nothing the request wrote stays: a retry runs again. An error
// other than those two means that nothing was committed, although run may
// have computed a response to keep: the caller must then not send it.
func (s *Service) Idempotent(ctx context.Context, key string, hash []byte, run func(context.Context) (resp StoredResponse, keep bool)) (*StoredResponse, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, errNoPrincipal
	}
	rec := &db.IdempotencyKey{WorkspaceID: p.WorkspaceID, Key: key, RequestHash: hash}
	caller := sha256.Sum256([]byte(p.Credential()))
	rec.Caller = caller[:]
	deadline := time.Now().Add(idempotencyWait)
	for {
		replay, err := s.tryIdempotent(ctx, rec, run)
		switch {
		case !errors.Is(err, errKeyBusy):
			return replay, err
		case time.Now().After(deadline):
			return nil, ErrIdempotencyInProgress
		}
		// The attempt's transaction is over: a waiting retry holds no
		// connection, nor its turn to run.
		if err := pause(ctx, idempotencyPoll); err != nil {
			return nil, err
		}
	}
}

// tryIdempotent makes one attempt at the request of Idempotent, whose
// record rec is to be: it takes the key's lock (or fails with
// errKeyBusy), then replays the key's response or runs the request.
func (s *Service) tryIdempotent(ctx context.Context, rec *db.IdempotencyKey, run func(context.Context) (StoredResponse, bool)) (*StoredResponse, error) {
	var replay *StoredResponse
	err := s.store.InRequestTx(ctx, rec.WorkspaceID, func(ctx context.Context) error {
		locked, err := s.store.LockIdempotencyKey(ctx, rec.WorkspaceID, rec.Key)
		if err != nil {
			return err
		}
		if !locked {
			return errKeyBusy
		}
		// Read after the lock: a request that held it has committed its
		// response, or nothing, by the time PostgreSQL released it.
		kept, err := s.store.IdempotencyKeyRecord(ctx, rec.WorkspaceID, rec.Key)
		switch {
		case err != nil:
			return err
		case kept != nil && (!bytes.Equal(kept.Caller, rec.Caller) || !bytes.Equal(kept.RequestHash, rec.RequestHash)):
			return ErrIdempotencyKeyReused
		case kept != nil:
			replay = &StoredResponse{Status: kept.StatusCode, ContentType: kept.ContentType, Body: kept.Response}
			return errReplayed
		}
		resp, keep := run(ctx)
		if !keep {
			return errNotKept
		}
		rec.StatusCode, rec.ContentType, rec.Response = resp.Status, resp.ContentType, resp.Body
		rec.ExpiresAt = time.Now().Add(IdempotencyTTL)
		return s.store.KeepIdempotentResponse(ctx, rec)
	})
	switch {
	case errors.Is(err, errReplayed):
		return replay, nil
	case errors.Is(err, errNotKept):
		return nil, nil
	}
	return nil, err
}

// pauseKey holds how a request waits between two attempts at an
// idempotency key that another request holds: the HTTP layer gives the
// request's turn to run back while it waits, and waits for it again.
var pauseKey = ctxkey.New[func(context.Context, time.Duration) error]("service.pause")

// WithPause returns ctx in which a request waits between two attempts at
// a busy idempotency key with pause, instead of sleeping.
func WithPause(ctx context.Context, pause func(context.Context, time.Duration) error) context.Context {
	return pauseKey.With(ctx, pause)
}

// pause waits d, the way ctx says (WithPause), or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if p := pauseKey.Value(ctx); p != nil {
		return p(ctx, d)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// SweepIdempotencyKeys deletes expired keys every interval until ctx ends.
// A sweep that fails, even by panicking, is logged and tried again at the
// next tick.
func (s *Service) SweepIdempotencyKeys(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, nil, s.sweepIdempotencyKeys)
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
