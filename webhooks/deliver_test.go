package webhooks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/service"
	"github.com/contacts-api/contacts/webhooks"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// receiver is a webhook endpoint that verifies each delivery with the
// Standard Webhooks library and counts them by message id.
type receiver struct {
	t      *testing.T
	server *httptest.Server
	mu     sync.Mutex
	secret string
	seen   map[string]int
	answer func(n int) (int, string)
	calls  int
}

func newReceiver(t *testing.T, answer func(n int) (int, string)) *receiver {
	r := &receiver{t: t, seen: map[string]int{}, answer: answer}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(r.secret)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		if err != nil {
			t.Errorf("a delivery does not verify: %v", err)
		}
		r.calls++
		status, text := r.answer(r.calls)
		if status/100 == 2 {
			r.seen[req.Header.Get("webhook-id")]++
		}
		w.WriteHeader(status)
		io.WriteString(w, text)
	}))
	t.Cleanup(r.server.Close)
	return r
}

// received returns the ids delivered, and how often each.
func (r *receiver) received() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.seen))
	for k, v := range r.seen {
		out[k] = v
	}
	return out
}

// setup is a workspace with an endpoint at url, and a running Deliverer.
type setup struct {
	ctx      context.Context
	ws       uuid.UUID
	store    *db.Store
	svc      *service.Service
	endpoint *db.WebhookEndpoint
}

func newSetup(t *testing.T, url string, allowPrivate bool) (*setup, string) {
	return newSetupOn(t, dbtest.URL(t), dbtest.DB(t), dbtest.APIDB(t), dbtest.APIDB(t), url, allowPrivate)
}

// newReceivingSetup returns a receiver that answers as answer, and a setup
// whose endpoint it is, with the endpoint's secret.
func newReceivingSetup(t *testing.T, answer func(n int) (int, string)) (*receiver, *setup) {
	r := newReceiver(t, answer)
	s, secret := newSetup(t, r.server.URL, true)
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
	return r, s
}

// newSetupOn is newSetup on the database at dbURL, whose pools as owner
// and as the API are owner and api; the Deliverer's store uses workerAPI,
// api or a copy of it with a query hook.
func newSetupOn(t *testing.T, dbURL string, owner, api, workerAPI *bun.DB, url string, allowPrivate bool) (*setup, string) {
	t.Helper()
	ws := uuid.New()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "webhooks-test", Scopes: auth.Scopes})
	store := db.NewStore(api)
	svc := service.New(store)
	t.Cleanup(svc.Close)
	svc.AllowPrivateWebhooks(true)
	if err := svc.Provision(ctx, ws); err != nil {
		t.Fatal(err)
	}
	created, userErrors, err := svc.CreateWebhookEndpoint(ctx, service.CreateWebhookEndpointInput{URL: url})
	if err != nil || len(userErrors) > 0 {
		t.Fatalf("create endpoint: %v %+v", err, userErrors)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	d, err := webhooks.New(db.NewStore(workerAPI), owner, pool, webhooks.Config{AllowPrivate: allowPrivate, Workers: 20, RelayEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		d.Stop(ctx)
	})
	return &setup{ctx: ctx, ws: ws, store: store, svc: svc, endpoint: created.Endpoint}, created.Secret
}

// record writes n events of the workspace in one transaction and returns
// their ids.
func (s *setup) record(t *testing.T, n int) {
	t.Helper()
	changes := make([]events.Change, n)
	for i := range changes {
		changes[i] = events.Change{Type: events.ContactDeleted, RecordID: fmt.Sprint("contact_", i)}
	}
	if err := s.store.InTx(s.ctx, s.ws, func(tx *db.Store) error { return events.Record(s.ctx, tx, s.ws, changes) }); err != nil {
		t.Fatal(err)
	}
}

// deliveries waits until the endpoint's deliveries satisfy done.
func (s *setup) deliveries(t *testing.T, done func([]*db.WebhookDelivery) bool) []*db.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ds, err := s.store.WebhookDeliveries(s.ctx, s.ws, db.DeliveryQuery{EndpointID: s.endpoint.ID, Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		if done(ds) || time.Now().After(deadline) {
			return ds
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func attempted(ds []*db.WebhookDelivery) bool {
	for _, d := range ds {
		if d.Attempts == 0 {
			return false
		}
	}
	return len(ds) > 0
}

func TestEveryEventIsDeliveredOnceSignedAsTheSpecificationSays(t *testing.T) {
	t.Parallel()
	r, s := newReceivingSetup(t, func(int) (int, string) { return http.StatusNoContent, "" })
	const n = 300
	s.record(t, n)
	ds := s.deliveries(t, func(ds []*db.WebhookDelivery) bool {
		for _, d := range ds {
			if d.Status != db.DeliverySucceeded {
				return false
			}
		}
		return len(ds) == n
	})
	if len(ds) != n {
		t.Fatalf("%d deliveries, want one per event (%d)", len(ds), n)
	}
	got := r.received()
	if len(got) != n {
		t.Errorf("the receiver got %d events, want %d", len(got), n)
	}
	for id, times := range got {
		if times != 1 {
			t.Errorf("event %s was delivered %d times, want once", id, times)
		}
	}
	if d := ds[0]; d.StatusCode == nil || *d.StatusCode != http.StatusNoContent || d.Attempts != 1 {
		t.Errorf("delivery = %+v, want one attempt answered 204", d)
	}
}

func TestAFailedAttemptIsRecordedAndRetried(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 3000)
	_, s := newReceivingSetup(t, func(int) (int, string) { return http.StatusInternalServerError, long })
	s.record(t, 1)
	d := s.deliveries(t, attempted)[0]
	if d.Status != db.DeliveryPending || d.StatusCode == nil || *d.StatusCode != 500 || d.Response == nil || len(*d.Response) != 1024 {
		t.Errorf("after a 500 the delivery is %s (status code %v, %d bytes kept); want pending for a retry, 500, the first KiB", d.Status, d.StatusCode, len(deref(d.Response)))
	}
	endpoints, _ := s.store.WebhookEndpoints(s.ctx, s.ws, nil)
	if endpoints[0].FailingSince == nil || endpoints[0].DisabledAt != nil {
		t.Errorf("endpoint = %+v, want failing since the attempt, enabled", endpoints[0])
	}
}

func TestGoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	_, s := newReceivingSetup(t, func(int) (int, string) { return http.StatusGone, "gone" })
	s.record(t, 1)
	d := s.deliveries(t, attempted)[0]
	endpoints, _ := s.store.WebhookEndpoints(s.ctx, s.ws, nil)
	if e := endpoints[0]; e.DisabledAt == nil || e.DisabledReason == nil || !strings.Contains(*e.DisabledReason, "410") {
		t.Errorf("endpoint = %+v, want disabled with 410 as its reason", e)
	}
	if d.Status != db.DeliveryFailed {
		t.Errorf("delivery status %s, want failed", d.Status)
	}
	// A disabled endpoint gets no more deliveries.
	s.record(t, 1)
	if ds := s.deliveries(t, func([]*db.WebhookDelivery) bool { return true }); len(ds) != 1 {
		t.Errorf("a disabled endpoint has %d deliveries, want the first alone", len(ds))
	}
}

func TestDeliveriesToPrivateAddressesAreRefused(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, func(int) (int, string) { return http.StatusOK, "" })
	// A database of its own: the other tests' workers, which may connect
	// to loopback, must not take its jobs.
	dbURL, owner, api := ownDatabase(t)
	s, _ := newSetupOn(t, dbURL, owner, api, api, r.server.URL, false)
	s.record(t, 1)
	d := s.deliveries(t, attempted)[0]
	if d.Error == nil || !strings.Contains(*d.Error, "not a public one") || d.StatusCode != nil {
		t.Errorf("delivery to loopback = error %v, status %v; want refused before connecting", deref(d.Error), d.StatusCode)
	}
	if got := r.received(); len(got) != 0 {
		t.Errorf("the private receiver got %v", got)
	}
}

// ownDatabase returns a migrated database of the test's own, with its
// pools as owner and as the API.
func ownDatabase(t *testing.T) (dbURL string, owner, api *bun.DB) {
	t.Helper()
	return dbtest.OwnDatabase(t)
}

// statementCounter counts the statements of a pool.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// TestADeliveryToAHealthyEndpointTakesTwoStatements: the workers' share of
// the database is what bounds deliveries/s (make bench-webhooks), so a
// delivery answered 2xx by an endpoint that was not failing reads its
// delivery, endpoint and event in one statement and writes its outcome in
// another.
func TestADeliveryToAHealthyEndpointTakesTwoStatements(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, func(int) (int, string) { return http.StatusNoContent, "" })
	// A database of its own, so that no other test's workers take its
	// jobs, and its workers none of theirs.
	dbURL, owner, api := ownDatabase(t)
	counter := &statementCounter{}
	s, secret := newSetupOn(t, dbURL, owner, api, api.WithQueryHook(counter), r.server.URL, true)
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
	const n = 20
	s.record(t, n)
	s.deliveries(t, func(ds []*db.WebhookDelivery) bool {
		return len(ds) == n && !slices.ContainsFunc(ds, func(d *db.WebhookDelivery) bool { return d.Status != db.DeliverySucceeded })
	})
	if got := counter.n.Load(); got != 2*n {
		t.Errorf("%d deliveries took %d statements, want 2 each (%d)", n, got, 2*n)
	}
}

func TestRedeliverSendsAgain(t *testing.T) {
	t.Parallel()
	r, s := newReceivingSetup(t, func(int) (int, string) { return http.StatusOK, "" })
	s.record(t, 1)
	d := s.deliveries(t, func(ds []*db.WebhookDelivery) bool { return len(ds) == 1 && ds[0].Status == db.DeliverySucceeded })[0]
	if _, userErrors, err := s.svc.RedeliverWebhook(s.ctx, d.ID); err != nil || len(userErrors) > 0 {
		t.Fatalf("redeliver: %v %+v", err, userErrors)
	}
	d = s.deliveries(t, func(ds []*db.WebhookDelivery) bool { return ds[0].Attempts == 2 })[0]
	if d.Status != db.DeliverySucceeded || r.received()[d.EventID] != 2 {
		t.Errorf("after redelivery: %s after %d attempts, received %d times; want succeeded twice", d.Status, d.Attempts, r.received()[d.EventID])
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
