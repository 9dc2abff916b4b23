package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// lockWait bounds how long a test waits for PostgreSQL to block or cancel
// a statement; each happens in milliseconds when the property holds.
const lockWait = 10 * time.Second

// lockContact locks the contact with id, so that a mutation of it waits
// in PostgreSQL until the lock is released or the test ends.
func lockContact(t *testing.T, id string) *dbtest.RowLock {
	return dbtest.LockRow(t, dbtest.DB(t), "contacts", id)
}

// serveWhileLocked serves req with h while lock holds, and returns the
// response. When the request still waits after lockWait, it releases the
// lock and fails the test.
func serveWhileLocked(t *testing.T, lock *dbtest.RowLock, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- graphtest.RecordRequest(h, req) }()
	select {
	case rec := <-done:
		return rec
	case <-time.After(lockWait):
		lock.Release()
		<-done
		t.Fatalf("the request still waited for the lock after %s", lockWait)
		return nil
	}
}

// waitForWaiters polls until want backends wait for lock, and fails the
// test when that takes longer than lockWait.
func waitForWaiters(t *testing.T, lock *dbtest.RowLock, want int) {
	t.Helper()
	for deadline := time.Now().Add(lockWait); lock.Waiters(t) != want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d backends wait for the lock after %s; want %d", lock.Waiters(t), lockWait, want)
		}
	}
}

// renameContact returns a mutation that renames the contact with id.
func renameContact(id, name string) string {
	return fmt.Sprintf(`mutation { updateContact(id: %q, input: {name: %q}) { contact { id } } }`, id, name)
}

// requestTo returns a client's POST request of query to the server at
// base, with c's token.
func (c *client) requestTo(ctx context.Context, base, query string) *http.Request {
	c.T.Helper()
	template := c.Request(query)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", template.Body)
	if err != nil {
		c.T.Fatal(err)
	}
	req.Header = template.Header
	return req
}

// TestClientDisconnectCancelsItsQuery sends a mutation through a real
// HTTP server, lets it wait in PostgreSQL for a row lock, and hangs up:
// while the lock still holds, the server must cancel the statement in
// PostgreSQL (pg_stat_activity then shows no backend waiting for it) and
// roll its transaction back, rather than leave the backend waiting for a
// client that is gone.
func TestClientDisconnectCancelsItsQuery(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	contact := c.CreateContact(map[string]any{"name": "Ada"})
	srv := httptest.NewServer(c.Handler)
	t.Cleanup(srv.Close)
	lock := lockContact(t, contact.ID)

	ctx, hangUp := context.WithCancel(context.Background())
	req := c.requestTo(ctx, srv.URL, renameContact(contact.ID, "Grace"))
	sent := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		sent <- err
	}()
	waitForWaiters(t, lock, 1)
	hangUp()
	if err := <-sent; !errors.Is(err, context.Canceled) {
		t.Fatalf("the client's request ended with %v; want it cancelled while the mutation waited", err)
	}
	waitForWaiters(t, lock, 0)
	lock.Release()
	if got := c.contactByID(contact.ID).Name; got != "Ada" {
		t.Errorf("after the client hung up, the contact's name is %q; want Ada: the abandoned mutation wrote", got)
	}
}
