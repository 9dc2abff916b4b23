package live_test

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/service"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// hub returns a hub on the test database, listening for its events.
func hub(t *testing.T, limits live.Limits) (*live.Hub, *service.Service) {
	svc := graphtest.NewService(t)
	h := live.NewHub(svc, limits)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go live.Listen(ctx, dbtest.URL(t), h)
	return h, svc
}

// record writes n events of workspace ws in one statement.
func record(t *testing.T, ws uuid.UUID, n int) {
	changes := make([]events.Change, n)
	for i := range changes {
		changes[i] = events.Change{Type: events.ContactDeleted, RecordID: fmt.Sprint("contact_", i)}
	}
	graphtest.RecordEvents(t, ws, changes...)
}

func principalOf(t *testing.T, svc *service.Service) (context.Context, uuid.UUID) {
	ws := uuid.New()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "test", Scopes: []string{auth.ScopeRead}})
	if err := svc.Provision(ctx, ws); err != nil {
		t.Fatal(err)
	}
	return ctx, ws
}

func TestSubscriberGetsEachEventOnce(t *testing.T) {
	t.Parallel()
	h, svc := hub(t, live.Limits{})
	ctx, ws := principalOf(t, svc)
	sub, err := h.Subscribe(ctx, live.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	record(t, ws, 3)
	record(t, ws, 2)
	seen := map[string]bool{}
	for range 5 {
		select {
		case e := <-sub:
			if seen[e.ID] {
				t.Errorf("event %s handed twice", e.ID)
			}
			seen[e.ID] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d events; want 5", len(seen))
		}
	}
}

func TestSubscriberThatDoesNotReadIsDisconnected(t *testing.T) {
	t.Parallel()
	h, svc := hub(t, live.Limits{Buffer: 2})
	ctx, ws := principalOf(t, svc)
	var closed atomic.Bool
	ctx = live.WithConnection(ctx, live.NewConnection(func() { closed.Store(true) }))
	sub, err := h.Subscribe(ctx, live.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	record(t, ws, 3) // one more than the buffer holds
	deadline := time.Now().Add(10 * time.Second)
	for !closed.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !closed.Load() {
		t.Fatal("the connection of a subscriber 3 events behind, with a buffer of 2, was not closed")
	}
	n := 0
	for range sub {
		n++
	}
	if n != 2 {
		t.Errorf("the slow subscriber's channel held %d events before it closed; want the 2 buffered", n)
	}
}

// TestEventReadAgainIsNotHandedTwice holds a transaction open, so that
// each read starts before the first event, then ends it: the read after
// that still starts before the first event, which must not come again.
func TestEventReadAgainIsNotHandedTwice(t *testing.T) {
	t.Parallel()
	h, svc := hub(t, live.Limits{})
	ctx, ws := principalOf(t, svc)
	held, err := dbtest.DB(t).BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	if _, err := held.ExecContext(context.Background(), "SELECT pg_current_xact_id()"); err != nil {
		t.Fatal(err)
	}
	sub, err := h.Subscribe(ctx, live.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	next := func() string {
		select {
		case e := <-sub:
			return e.RecordID
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return ""
		}
	}
	graphtest.RecordEvents(t, ws, events.Change{Type: events.ContactDeleted, RecordID: "contact_first"})
	if got := next(); got != "contact_first" {
		t.Fatalf("got %s; want contact_first", got)
	}
	held.Rollback()
	graphtest.RecordEvents(t, ws, events.Change{Type: events.ContactDeleted, RecordID: "contact_second"})
	if got := next(); got != "contact_second" {
		t.Errorf("got %s again; want contact_second, each event once", got)
	}
}

// TestListensOnlyWhileSubscribed watches the listening connection from
// PostgreSQL's side: PostgreSQL wakes every listening connection for
// every committed write, so a process without subscribers must not
// listen; with one, it must.
func TestListensOnlyWhileSubscribed(t *testing.T) {
	t.Parallel()
	svc := graphtest.NewService(t)
	h := live.NewHub(svc, live.Limits{})
	app := "live-" + uuid.NewString()[:8]
	u, err := url.Parse(dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	listenCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go live.Listen(listenCtx, u.String(), h)
	// It registers as a listener in the transaction of its LISTEN.
	listening := func() bool {
		var n int
		err := dbtest.DB(t).QueryRowContext(context.Background(),
			`SELECT count(*) FROM event_listeners JOIN pg_stat_activity USING (pid) WHERE application_name = ?`, app).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	waitFor := func(want bool, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); listening() != want; {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond) // time to connect, and wrongly listen
	waitFor(false, "the process listens without subscribers")
	ctx, ws := principalOf(t, svc)
	subCtx, unsubscribe := context.WithCancel(ctx)
	sub, err := h.Subscribe(subCtx, live.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(true, "the process does not listen with a subscriber")
	record(t, ws, 1)
	select {
	case <-sub:
	case <-time.After(10 * time.Second):
		t.Fatal("the subscriber got no event")
	}
	unsubscribe()
	waitFor(false, "the process still listens after its last subscriber left")
}
