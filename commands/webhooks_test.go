package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// countingReceiver verifies deliveries and counts them by webhook-id; while
// held, it keeps their requests waiting.
type countingReceiver struct {
	mu     sync.Mutex
	secret string
	seen   map[string]int
	held   chan struct{} // closed when not holding
	inHold int
}

func (r *countingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	wh, err := standardwebhooks.NewWebhook(r.secret)
	if err == nil {
		err = wh.Verify(body, req.Header)
	}
	held := r.held
	r.inHold++
	r.mu.Unlock()
	<-held
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inHold--
	if req.Context().Err() != nil {
		return // the sender died while held: its delivery did not happen
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	r.seen[req.Header.Get("webhook-id")]++
	w.WriteHeader(http.StatusNoContent)
}

func (r *countingReceiver) counts() (distinct, total, holding int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		total += n
	}
	return len(r.seen), total, r.inHold
}

// waitFor polls until cond holds, for up to limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", limit, what)
		}
	}
}

// TestWebhooksAcrossThreeProcesses runs three servers on one database:
// 1,000 events are each delivered exactly once; then one server is killed
// with SIGKILL while deliveries are in flight, and none is lost.
func TestWebhooksAcrossThreeProcesses(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.EmptyDatabase(t)
	bin := buildServer(t)
	open := make(chan struct{})
	close(open)
	receiver := &countingReceiver{seen: map[string]int{}, held: open}
	hook := httptest.NewServer(receiver)
	t.Cleanup(hook.Close)

	var servers []*serverProcess
	var addrs []string
	for range 3 {
		p, addr := startProcess(t, bin, "DATABASE_URL="+dbURL, "ADDR=127.0.0.1:0", "JWT_SECRET="+string(graphtest.Secret), "WEBHOOK_ALLOW_PRIVATE=true")
		servers, addrs = append(servers, p), append(addrs, addr)
	}
	api := graphtest.NewClientAt(t, "http://"+addrs[0], auth.ScopeWrite+" "+auth.ScopeWebhooksAdmin)
	api.HTTP = &http.Client{Timeout: faultWait}
	c, ws := &apiClient{api}, api.Workspace
	var created struct {
		CreateWebhookEndpoint struct{ Secret string }
	}
	data := c.mustPost(t, `mutation($url: String!) { createWebhookEndpoint(input: {url: $url}) { secret } }`, map[string]any{"url": hook.URL})
	if err := json.Unmarshal(data, &created); err != nil || created.CreateWebhookEndpoint.Secret == "" {
		t.Fatalf("createWebhookEndpoint = %s (%v)", data, err)
	}
	receiver.mu.Lock()
	receiver.secret = created.CreateWebhookEndpoint.Secret
	receiver.mu.Unlock()

	owner := dbtest.Open(t, db.Open, dbURL)
	store := db.NewStore(owner)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "procs"})
	record := func(from, n int) {
		changes := make([]events.Change, n)
		for i := range changes {
			changes[i] = events.Change{Type: events.ContactDeleted, RecordID: fmt.Sprint("contact_", from+i)}
		}
		if err := store.InTx(ctx, ws, func(tx *db.Store) error { return events.Record(ctx, tx, ws, changes) }); err != nil {
			t.Fatal(err)
		}
	}

	const n = 1000
	record(0, n)
	succeeded := func(want int) func() bool {
		return func() bool {
			ds, err := store.WebhookDeliveries(ctx, ws, db.DeliveryQuery{EndpointID: endpointOf(t, store, ctx, ws), Status: db.DeliverySucceeded, Limit: 10_000})
			return err == nil && len(ds) == want
		}
	}
	waitFor(t, time.Minute, "1,000 deliveries succeeded", succeeded(n))
	if distinct, total, _ := receiver.counts(); distinct != n || total != n {
		t.Errorf("the receiver got %d deliveries of %d events, want each of the %d once", total, distinct, n)
	}

	// Hold the next deliveries in flight, and kill a server among them.
	hold := make(chan struct{})
	receiver.mu.Lock()
	receiver.held = hold
	receiver.mu.Unlock()
	const more = 60
	record(n, more)
	waitFor(t, faultWait, "deliveries in flight", func() bool { _, _, holding := receiver.counts(); return holding >= 20 })
	if err := servers[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-servers[0].exited
	// Let the held requests of the dead server see their connections end.
	time.Sleep(500 * time.Millisecond)
	close(hold)
	// The dead server's jobs are rescued once their lease ends.
	waitFor(t, 3*time.Minute, "every event delivered after the SIGKILL", func() bool { distinct, _, _ := receiver.counts(); return distinct == n+more })
}

// endpointOf returns the id of the workspace's one endpoint.
func endpointOf(t *testing.T, store *db.Store, ctx context.Context, ws uuid.UUID) string {
	t.Helper()
	endpoints, err := store.WebhookEndpoints(ctx, ws, nil)
	if err != nil || len(endpoints) != 1 {
		t.Fatalf("endpoints = %v, %v; want one", endpoints, err)
	}
	return endpoints[0].ID
}
