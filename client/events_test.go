package client_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/client"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
)

func TestEventsAfterPagesToTheFeedsEndAndResumes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t)
	viewer, err := client.Viewer(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	ws := uuid.MustParse(viewer.Viewer.WorkspaceId)
	store := db.NewStore(dbtest.APIDB(t))
	record := func(ids ...string) {
		t.Helper()
		actx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "client-test"})
		if err := store.EnsureWorkspace(actx, ws); err != nil {
			t.Fatal(err)
		}
		changes := make([]events.Change, len(ids))
		for i, id := range ids {
			changes[i] = events.Change{Type: events.ContactDeleted, RecordID: id}
		}
		if err := store.InTx(actx, ws, func(tx *db.Store) error { return events.Record(actx, tx, ws, changes) }); err != nil {
			t.Fatal(err)
		}
	}
	// read polls the feed after after until it has n events: an event is
	// listed once the transactions that began writing before it have
	// ended, and other tests write at the same time.
	read := func(after *string, n int) (ids []string, last *string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(ids) < n && time.Now().Before(deadline) {
			for edge, err := range client.EventsAfter(ctx, c, after, 2, []client.EventType{client.EventTypeContactDeleted}) {
				if err != nil {
					t.Fatalf("read the feed: %v", err)
				}
				ids, after = append(ids, edge.Node.RecordId), &edge.Cursor
			}
		}
		return ids, after
	}
	record("contact_1", "contact_2", "contact_3", "contact_4", "contact_5")
	ids, cursor := read(nil, 5)
	if want := []string{"contact_1", "contact_2", "contact_3", "contact_4", "contact_5"}; !slices.Equal(ids, want) {
		t.Fatalf("the feed in pages of 2 = %v, want %v", ids, want)
	}
	record("contact_6")
	if ids, _ := read(cursor, 1); !slices.Equal(ids, []string{"contact_6"}) {
		t.Errorf("the feed after the last cursor = %v, want the one event since", ids)
	}
}

func TestIsCursorExpired(t *testing.T) {
	t.Parallel()
	expired := gqlerror.List{{Message: "expired", Extensions: map[string]any{"code": "CURSOR_EXPIRED"}}}
	other := gqlerror.List{{Message: "bad", Extensions: map[string]any{"code": "BAD_USER_INPUT"}}}
	for _, tt := range []struct {
		err  error
		want bool
	}{{fmt.Errorf("events: %w", expired), true}, {other, false}, {fmt.Errorf("network"), false}} {
		if got := client.IsCursorExpired(tt.err); got != tt.want {
			t.Errorf("IsCursorExpired(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
