package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/live"
)

// ownHub returns a hub listening on a database of the test's own, where
// no other test's process listens, with the database's URL, the owner's
// pool and a workspace's principal.
func ownHub(t *testing.T) (*live.Hub, string, *bun.DB, context.Context, uuid.UUID) {
	t.Helper()
	url, owner, api := dbtest.OwnDatabase(t)
	svc := graphtest.ServiceOf(t, api)
	h := live.NewHub(svc, live.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go live.Listen(ctx, url, h)
	ws := uuid.New()
	principal := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "test", Scopes: []string{auth.ScopeRead}})
	if err := svc.Provision(principal, ws); err != nil {
		t.Fatal(err)
	}
	return h, url, owner, principal, ws
}

// waitForListeners waits until event_listeners holds want listeners.
func waitForListeners(t *testing.T, owner *bun.DB, want int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int
		if err := owner.QueryRowContext(context.Background(), "SELECT count(*) FROM event_listeners").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("event_listeners holds %d listeners; want %d", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recordIn writes an event of ws through owner's pool.
func recordIn(t *testing.T, owner *bun.DB, ctx context.Context, ws uuid.UUID, recordID string) {
	t.Helper()
	err := db.NewStore(owner).InTx(ctx, ws, func(tx *db.Store) error {
		return events.Record(ctx, tx, ws, []events.Change{{Type: events.ContactDeleted, RecordID: recordID}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListenerThatStartsDuringAWriteGetsItsEvent writes an event while no
// process listens, so that its writer does not notify, and commits it
// only once a subscriber's process listens: the subscriber must still get
// it, with no later write to wake its feed.
func TestListenerThatStartsDuringAWriteGetsItsEvent(t *testing.T) {
	t.Parallel()
	h, _, owner, ctx, ws := ownHub(t)
	commit := graphtest.HoldEvent(ctx, db.NewStore(owner), ws, "contact_unaware")
	sub, err := h.Subscribe(ctx, live.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	waitForListeners(t, owner, 1)
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-sub:
		if e.RecordID != "contact_unaware" {
			t.Errorf("got the event of %s; want contact_unaware's", e.RecordID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the event of a write that looked for listeners before the subscriber's process listened, committed after, never came")
	}
}

// TestWritersNotifyOnlyWhileAProcessListens listens on the channel
// without registering as a listener: writes notify it only while a
// process with subscribers listens (a NOTIFY orders the commits of every
// writer that sends one, for no one when no process listens).
func TestWritersNotifyOnlyWhileAProcessListens(t *testing.T) {
	t.Parallel()
	h, url, owner, ctx, ws := ownHub(t)
	spy, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close(context.Background())
	if _, err := spy.Exec(context.Background(), "LISTEN "+live.Channel); err != nil {
		t.Fatal(err)
	}
	notified := func(within time.Duration) bool {
		wait, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		_, err := spy.WaitForNotification(wait)
		return err == nil
	}
	recordIn(t, owner, ctx, ws, "contact_1")
	if notified(500 * time.Millisecond) {
		t.Error("a write notified while no process listened")
	}
	subCtx, unsubscribe := context.WithCancel(ctx)
	if _, err := h.Subscribe(subCtx, live.Filter{}); err != nil {
		t.Fatal(err)
	}
	waitForListeners(t, owner, 1)
	recordIn(t, owner, ctx, ws, "contact_2")
	if !notified(10 * time.Second) {
		t.Error("a write did not notify while a process listened")
	}
	unsubscribe()
	waitForListeners(t, owner, 0)
	recordIn(t, owner, ctx, ws, "contact_3")
	if notified(500 * time.Millisecond) {
		t.Error("a write notified after the last process stopped listening")
	}
}
