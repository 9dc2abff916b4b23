package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// newWorkspace returns the API's store and a new workspace of it.
func newWorkspace(t *testing.T) (*db.Store, uuid.UUID) {
	t.Helper()
	store := db.NewStore(dbtest.APIDB(t))
	return store, dbtest.NewWorkspace(t, store)
}

// TestIdempotencyKeyLockDiesWithItsConnection: while one request's
// transaction holds a key's lock, another's cannot take it; once
// PostgreSQL ends the holder's session (as an outage does), it can at
// once, and finds no record of the request cut off.
func TestIdempotencyKeyLockDiesWithItsConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ws := newWorkspace(t)
	tryLock := func() bool {
		t.Helper()
		var locked bool
		err := store.InRequestTx(ctx, ws, func(ctx context.Context) error {
			var err error
			locked, err = store.LockIdempotencyKey(ctx, ws, "sync-batch-1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return locked
	}
	if _, err := store.LockIdempotencyKey(ctx, ws, "sync-batch-1"); err == nil {
		t.Error("a lock outside a request's transaction was taken; want an error, it would end with its statement")
	}

	holding, cut := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- store.InRequestTx(ctx, ws, func(ctx context.Context) error {
			if locked, err := store.LockIdempotencyKey(ctx, ws, "sync-batch-1"); err != nil || !locked {
				return errors.Join(errors.New("the first request did not get the lock"), err)
			}
			close(holding)
			<-cut
			_, err := store.IdempotencyKeyRecord(ctx, ws, "sync-batch-1")
			return err
		})
	}()
	<-holding
	if tryLock() {
		t.Fatal("a second request took the lock of a key whose first request is in flight")
	}
	id := db.IdempotencyLockID(ws, "sync-batch-1")
	var ended bool
	err := dbtest.DB(t).NewRaw(`SELECT pg_terminate_backend(pid, 5000) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1`,
		uint64(id)>>32, uint64(id)&0xffffffff).Scan(ctx, &ended)
	if err != nil || !ended {
		t.Fatalf("end the first request's session: %v, ended %v", err, ended)
	}
	if !tryLock() {
		t.Error("the lock of a request whose connection was lost is still held; want it free")
	}
	close(cut)
	if err := <-first; !db.IsUnavailable(err) {
		t.Errorf("the request whose connection was lost: %v; want it to fail as an outage", err)
	}
	if rec, err := store.IdempotencyKeyRecord(ctx, ws, "sync-batch-1"); err != nil || rec != nil {
		t.Errorf("the record of the request cut off: %+v, %v; want none", rec, err)
	}
}

// TestKeepIdempotentResponseNeverReplacesALiveOne keeps a response for a
// key, then tries another: the first stays. Once it has expired, another
// takes its place.
func TestKeepIdempotentResponseNeverReplacesALiveOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ws := newWorkspace(t)
	keep := func(body string, expires time.Time) error {
		return store.InRequestTx(ctx, ws, func(ctx context.Context) error {
			return store.KeepIdempotentResponse(ctx, &db.IdempotencyKey{
				WorkspaceID: ws, Key: "k", Caller: []byte("caller"), RequestHash: []byte("body"),
				StatusCode: 200, ContentType: "application/json", Response: []byte(body), ExpiresAt: expires,
			})
		})
	}
	response := func() string {
		t.Helper()
		rec, err := store.IdempotencyKeyRecord(ctx, ws, "k")
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			return ""
		}
		return string(rec.Response)
	}
	if err := keep("first", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := keep("second", time.Now().Add(time.Hour)); err == nil || response() != "first" {
		t.Errorf("a second response for a live key: error %v, record %q; want an error and the first kept", err, response())
	}
	if _, err := dbtest.DB(t).NewRaw("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE workspace_id = ?", ws).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := response(); got != "" {
		t.Errorf("an expired key's record: %q; want none", got)
	}
	if err := keep("third", time.Now().Add(time.Hour)); err != nil || response() != "third" {
		t.Errorf("a response for an expired key: error %v, record %q; want it kept", err, response())
	}
}
