package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// insertEvents writes n events of a new workspace that occurred at at.
func insertEvents(t *testing.T, store *db.Store, ws uuid.UUID, n int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := store.EnsureWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	rows := make([]*db.Event, n)
	for i, id := range db.NewIDs(db.EventPrefix, n) {
		rows[i] = &db.Event{Key: db.Key{WorkspaceID: ws, ID: id}, Type: "contact.deleted", RecordID: fmt.Sprint("contact_", i), Changes: []db.FieldChange{}, Actor: "test", OccurredAt: at}
	}
	if err := store.InTx(ctx, ws, func(tx *db.Store) error { return tx.InsertEvents(ctx, rows) }); err != nil {
		t.Fatal(err)
	}
}

func countEvents(t *testing.T, store *db.Store, ws uuid.UUID) int {
	t.Helper()
	evs, err := store.Events(context.Background(), ws, db.EventQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// TestDeleteExpiredEventsInBoundedBatches prunes the events past the
// retention of every workspace, a bounded batch a statement, and keeps the
// others.
func TestDeleteExpiredEventsInBoundedBatches(t *testing.T) {
	// The pruner sees every workspace: no other test may leave old events.
	store := db.NewStore(dbtest.APIDB(t))
	a, b := uuid.New(), uuid.New()
	old := time.Now().Add(-48 * time.Hour)
	insertEvents(t, store, a, 3, old)
	insertEvents(t, store, b, 2, old)
	insertEvents(t, store, a, 1, time.Now())
	var deleted []int
	for {
		n, err := store.DeleteExpiredEvents(context.Background(), 24*time.Hour, 3)
		if err != nil {
			t.Fatal(err)
		}
		if deleted = append(deleted, n); n == 0 {
			break
		}
	}
	if fmt.Sprint(deleted) != "[3 2 0]" {
		t.Errorf("batches of at most 3 deleted %v, want [3 2 0]", deleted)
	}
	if n, m := countEvents(t, store, a), countEvents(t, store, b); n != 1 || m != 0 {
		t.Errorf("left %d events in a and %d in b, want a's recent one alone", n, m)
	}
}
