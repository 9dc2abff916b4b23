package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestReleaseKeepsACompletedKey: releasing a key forgets a request in
// flight, never one whose response was stored, as when the commit that
// stored it went through but its acknowledgement was lost: the retry must
// find the response rather than run again.
func TestReleaseKeepsACompletedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := db.NewStore(dbtest.APIDB(t))
	ws := uuid.New()
	if err := store.EnsureWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	caller, hash := []byte("caller"), []byte("body")
	claim := func(key string) {
		t.Helper()
		if owned, err := store.ClaimIdempotencyKey(ctx, ws, key, caller, hash, time.Hour, time.Minute); err != nil || !owned {
			t.Fatalf("claim %s: owned %v, %v; want it claimed", key, owned, err)
		}
	}
	claim("in-flight")
	claim("completed")
	if err := store.CompleteIdempotencyKey(ctx, ws, "completed", 200, "application/json", []byte(`{"data":{}}`)); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"in-flight", "completed"} {
		if err := store.ReleaseIdempotencyKey(ctx, ws, key); err != nil {
			t.Fatal(err)
		}
	}
	if rec, err := store.IdempotencyKeyRecord(ctx, ws, "in-flight"); err != nil || rec != nil {
		t.Errorf("the key in flight after its release: %+v, %v; want it gone", rec, err)
	}
	if rec, err := store.IdempotencyKeyRecord(ctx, ws, "completed"); err != nil || rec == nil || rec.StatusCode == nil || *rec.StatusCode != 200 {
		t.Errorf("the completed key after a release: %+v, %v; want it kept with its response", rec, err)
	}
}
