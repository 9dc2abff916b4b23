package graph_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// faultHook makes every query whose SQL contains substring panic, the
// way a bug in the code that runs it would.
type faultHook struct{ substring string }

func (h faultHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.Contains(e.Query, h.substring) {
		panic("forced fault before a query on " + h.substring)
	}
	return ctx
}

func (faultHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// serviceWithFault returns a service on the test database whose queries
// that contain substring panic.
func serviceWithFault(t *testing.T, substring string) *service.Service {
	return graphtest.ServiceWithHook(t, faultHook{substring})
}

// serviceOn returns a service on a pool of its own to the database at
// url, opened with opts.
func serviceOn(t *testing.T, url string, opts ...db.Option) *service.Service {
	return graphtest.ServiceOf(t, dbtest.Open(t, db.OpenAPI, url, opts...))
}

// leaks are what a response must never show of a failure: driver and SQL
// text, the database's address, user and name, and Go's stack traces.
func leaks(t *testing.T) []string {
	dbURL, err := url.Parse(dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	return []string{
		"SQLSTATE", "23505", "duplicate key", "constraint", "SELECT", "INSERT", "FROM \"",
		"127.0.0.1", "localhost", dbURL.Port(), dbURL.User.Username() + "@", strings.TrimPrefix(dbURL.Path, "/"),
		"dial", "connect", "panic", "forced fault", "goroutine", ".go:",
	}
}

// checkInternal checks that rec is an INTERNAL error whose request id is
// the response's, that shows nothing of the failure, and that the log
// has the failure's cause under that id.
func checkInternal(t *testing.T, rec *httptest.ResponseRecorder, logs *graphtest.LogBuffer, cause string) {
	t.Helper()
	checkFault(t, rec, logs, service.CodeInternal, cause)
}

// checkUnavailable checks that the response in rec says the database was
// unavailable and the request may be sent again: 503 with a Retry-After
// and UNAVAILABLE, shown as checkInternal wants an INTERNAL error.
func checkUnavailable(t *testing.T, rec *httptest.ResponseRecorder, logs *graphtest.LogBuffer, cause string) {
	t.Helper()
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q; want 503 with a Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	checkFault(t, rec, logs, service.CodeUnavailable, cause)
}

// checkFault checks that the response in rec is an error of code with the
// request id and nothing of the failure, whose log line has cause.
func checkFault(t *testing.T, rec *httptest.ResponseRecorder, logs *graphtest.LogBuffer, code, cause string) {
	t.Helper()
	resp := graphtest.DecodeResponse(t, rec)
	id := rec.Header().Get("X-Request-Id")
	if resp.Code() != code {
		t.Fatalf("status %d, body %s; want an error %s", rec.Code, rec.Body, code)
	}
	for _, e := range resp.Errors {
		if e.Extensions["requestId"] != id || !strings.Contains(e.Message, id) {
			t.Errorf("error %+v; want the request id %s in its message and extensions", e, id)
		}
	}
	for _, leak := range leaks(t) {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("the response shows %q of the failure:\n%s", leak, rec.Body)
		}
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, id) && strings.Contains(line, cause) {
			return
		}
	}
	t.Errorf("no log line has both the request id %s and the cause %q:\n%s", id, cause, logs)
}

// tcpProxy forwards TCP connections to a server until it is cut, as a
// network between the API and its database does until an outage.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go io.Copy(server, client)
			go io.Copy(client, server)
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes the proxy and every connection through it: new connections
// are refused and open ones break.
func (p *tcpProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestFaultsShowAsInternal forces each kind of failure for real and checks
// what the client sees and what the log keeps. It captures the log, so it
// does not run in parallel.
func TestFaultsShowAsInternal(t *testing.T) {
	logs := graphtest.CaptureLogs(t)
	const contacts = `{ contacts { nodes { id } } }`

	t.Run("panic in a resolver", func(t *testing.T) {
		// A count goes through Bun (a page, like a lookup by keys, does
		// not: Bun's hooks do not see it).
		c := newClientWith(t, graphtest.NewHandlerOf(t, serviceWithFault(t, "FROM visible_contacts")), uuid.New(), graphtest.AllScopes)
		checkInternal(t, graphtest.RecordRequest(c.Handler, c.Request(`{ contacts { totalCount } }`)), logs, "forced fault")
		checkServes(t, c)
	})

	t.Run("panic in a batch load", func(t *testing.T) {
		healthy := newClient(t)
		account := healthy.CreateAccount(map[string]any{"name": "Acme"})
		healthy.CreateContact(map[string]any{"name": "Ada", "accountId": account})
		// An account's contacts are a batch load through Bun (the
		// lookups by keys are not: Bun's hooks do not see them).
		c := newClientWith(t, graphtest.NewHandlerOf(t, serviceWithFault(t, "JOIN contact_accounts AS ca")), healthy.Workspace, graphtest.AllScopes)
		checkInternal(t, graphtest.RecordRequest(c.Handler, c.Request(`{ accounts { nodes { contacts { nodes { name } } } } }`)), logs, "forced fault")
		checkServes(t, c)
	})

	t.Run("panic in authentication", func(t *testing.T) {
		c := newClientWith(t, graphtest.NewHandlerOf(t, serviceWithFault(t, `INSERT INTO "workspaces"`)), uuid.New(), graphtest.AllScopes)
		rec := graphtest.RecordRequest(c.Handler, c.Request(contacts))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("status %d; want 500", rec.Code)
		}
		checkInternal(t, rec, logs, "forced fault")
		if rec := graphtest.RecordRequest(c.Handler, httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != http.StatusOK {
			t.Errorf("after the panic /healthz answered %d; want 200", rec.Code)
		}
	})

	t.Run("unexpected unique violation", func(t *testing.T) {
		c := newClient(t)
		index := "faults_unique_" + randomHex(6)
		bdb := dbtest.DB(t)
		if _, err := bdb.Exec(fmt.Sprintf("CREATE UNIQUE INDEX %s ON contacts (name) WHERE workspace_id = '%s'", index, c.Workspace)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bdb.Exec("DROP INDEX IF EXISTS " + index) })
		c.CreateContact(map[string]any{"name": "Ada"})
		rec := graphtest.RecordRequest(c.Handler, c.Request(`mutation { createContact(input: {name: "Ada"}) { contact { id } userErrors { code } } }`))
		checkInternal(t, rec, logs, index)
		checkServes(t, c)
	})

	t.Run("a statement over the statement timeout", func(t *testing.T) {
		c := newClient(t)
		contact := c.CreateContact(map[string]any{"name": "Ada"})
		timed := newClientWith(t, graphtest.NewHandlerOf(t, serviceOn(t, dbtest.URL(t), db.WithTimeouts(db.Timeouts{Statement: 500 * time.Millisecond}))), c.Workspace, graphtest.AllScopes)
		lock := lockContact(t, contact.ID)
		rec := serveWhileLocked(t, lock, timed.Handler, timed.Request(renameContact(contact.ID, "Grace")))
		checkInternal(t, rec, logs, "canceling statement due to statement timeout")
		lock.Release()
		if got := c.contactByID(contact.ID).Name; got != "Ada" {
			t.Errorf("the contact's name is %q after the mutation timed out; want Ada", got)
		}
	})

	t.Run("database outage", func(t *testing.T) {
		dbURL, err := url.Parse(dbtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		proxy := startProxy(t, dbURL.Host)
		dbURL.Host = proxy.ln.Addr().String()
		c := newClientWith(t, graphtest.NewHandlerOf(t, serviceOn(t, dbURL.String())), uuid.New(), graphtest.AllScopes)
		c.ContactCount() // provisions the workspace while the database answers
		proxy.cut()

		// The log has the driver's error: a broken connection, or a refused
		// one with the database's address.
		checkUnavailable(t, graphtest.RecordRequest(c.Handler, c.Request(contacts)), logs, "list contacts")
		checkUnavailable(t, graphtest.RecordRequest(c.Handler, c.Request(`mutation { createContact(input: {name: "Ada"}) { contact { id } } }`)), logs, "createContact")
		newcomer := newClientWith(t, c.Handler, uuid.New(), graphtest.AllScopes) // whose workspace must be provisioned
		checkUnavailable(t, graphtest.RecordRequest(c.Handler, newcomer.Request(contacts)), logs, "request failed")
		rec := graphtest.RecordRequest(c.Handler, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), proxy.ln.Addr().String()) {
			t.Errorf("/readyz during the outage: status %d, body %q; want 503 without the database's address", rec.Code, rec.Body)
		}
	})
}

// checkServes checks that c's handler still answers a query that does not
// meet the fault.
func checkServes(t *testing.T, c *client) {
	t.Helper()
	if resp := c.Post(`{ portalSettings { defaultPortalRole { slug } } }`, nil); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Errorf("after the fault: status %d, errors %+v; want the handler to keep serving", resp.Status, resp.Errors)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestPanicsInBackgroundTasksAreLogged forces panics in the goroutines
// the service starts: they are logged and the process keeps running.
func TestPanicsInBackgroundTasksAreLogged(t *testing.T) {
	logs := graphtest.CaptureLogs(t)

	t.Run("recording an API key's use", func(t *testing.T) {
		admin := newClientWith(t, graphtest.NewHandler(t), uuid.New(), graphtest.AllScopes)
		_, secret := admin.CreateAPIKey("sync", auth.ScopeRead)
		svc := serviceWithFault(t, `UPDATE "api_keys"`)
		backend := &client{&graphtest.Client{T: t, Handler: graphtest.NewHandlerOf(t, svc), Token: secret}}
		if resp := backend.Post(`{ contacts { totalCount } }`, nil); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
			t.Fatalf("status %d, errors %+v; want the request served while its key's use is recorded in the background", resp.Status, resp.Errors)
		}
		svc.Close() // waits for the background write
		if !strings.Contains(logs.String(), "record an API key's use") {
			t.Errorf("the log does not tell of the panic in recording the key's use:\n%s", logs)
		}
	})

	t.Run("sweeping idempotency keys", func(t *testing.T) {
		svc := serviceWithFault(t, `DELETE FROM "idempotency_keys"`)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			svc.SweepIdempotencyKeys(ctx, 5*time.Millisecond)
			close(done)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(logs.String(), "sweep idempotency keys") < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		if n := strings.Count(logs.String(), "sweep idempotency keys"); n < 2 {
			t.Errorf("the log tells of %d panicking sweeps; want the sweeper to go on after the first", n)
		}
	})
}
