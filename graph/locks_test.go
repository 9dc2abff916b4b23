package graph_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db/dbtest"
)

// lockWait bounds how long a test waits for PostgreSQL to block, cancel or
// end a backend; each happens in milliseconds when the property holds.
const lockWait = 10 * time.Second

// rowLock is a transaction of the test's own that holds a contact's row
// lock, so that a mutation of that contact waits in PostgreSQL for as long
// as the test wants.
type rowLock struct {
	tx  bun.Tx
	pid int // the locking backend's
}

// lockContact locks the contact with id until release or the end of the
// test.
func lockContact(t *testing.T, id string) *rowLock {
	t.Helper()
	ctx := context.Background()
	tx, err := dbtest.DB(t).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &rowLock{tx: tx}
	t.Cleanup(l.release)
	if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid() FROM contacts WHERE id = ? FOR UPDATE", id).Scan(&l.pid); err != nil {
		t.Fatalf("lock contact %s: %v", id, err)
	}
	return l
}

func (l *rowLock) release() {
	if err := l.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		panic(err)
	}
}

// serve serves req with h while l holds its lock, and returns the
// response. When the request still waits after lockWait, it releases the
// lock and fails the test.
func (l *rowLock) serve(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- recordRequest(h, req) }()
	select {
	case rec := <-done:
		return rec
	case <-time.After(lockWait):
		l.release()
		<-done
		t.Fatalf("the request still waited for the lock after %s", lockWait)
		return nil
	}
}

// waiter returns the backend that waits for l's lock, once one does.
func (l *rowLock) waiter(t *testing.T) int {
	t.Helper()
	var pid int
	poll(t, "a backend waiting for the contact's row lock", func() bool {
		err := dbtest.DB(t).QueryRowContext(context.Background(),
			"SELECT pid FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", l.pid).Scan(&pid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		return err == nil
	})
	return pid
}

// backendState returns the state of the backend with pid in
// pg_stat_activity (active, idle, idle in transaction…), or "gone" when
// its session ended.
func backendState(t *testing.T, pid int) string {
	t.Helper()
	var state string
	err := dbtest.DB(t).QueryRowContext(context.Background(),
		"SELECT coalesce(state, '') FROM pg_stat_activity WHERE pid = ?", pid).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "gone"
	}
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// poll calls done until it reports true, and fails the test when that
// takes longer than lockWait.
func poll(t *testing.T, what string, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(lockWait); !done(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, lockWait)
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
	c.t.Helper()
	template := c.request(query)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", template.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header = template.Header
	return req
}

// TestClientDisconnectCancelsItsQuery sends a mutation through a real
// HTTP server, lets it wait in PostgreSQL for a row lock, and hangs up:
// the server must cancel the statement in PostgreSQL and roll its
// transaction back, while the lock is still held, rather than leave the
// backend waiting for a client that is gone.
func TestClientDisconnectCancelsItsQuery(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	contact := c.createContact(map[string]any{"name": "Ada"})
	srv := httptest.NewServer(c.handler)
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
	waiter := lock.waiter(t)
	hangUp()
	if err := <-sent; !errors.Is(err, context.Canceled) {
		t.Fatalf("the client's request ended with %v; want it cancelled while the mutation waited", err)
	}

	poll(t, "end of the abandoned statement", func() bool {
		state := backendState(t, waiter)
		return state == "gone" || state == "idle"
	})
	if state := backendState(t, lock.pid); state != "idle in transaction" {
		t.Fatalf("the test's lock ended (its backend is %s) before the mutation's statement did", state)
	}
	lock.release()
	if got := c.contactByID(contact.ID).Name; got != "Ada" {
		t.Errorf("after the client hung up, the contact's name is %q; want Ada: the abandoned mutation wrote", got)
	}
}
