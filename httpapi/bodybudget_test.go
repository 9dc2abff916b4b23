package httpapi_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
)

// startSlowBody opens a connection to srv and sends an authenticated POST
// that declares declared bytes of body and sends the first sent of them.
func startSlowBody(t *testing.T, srv *httptest.Server, token string, declared, sent int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: contacts\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", token, declared)
	if _, err := conn.Write(bytes.Repeat([]byte(" "), sent)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestBodiesPastTheBudgetWait fills a small MaxInflightBodyBytes with two
// slow senders: a request then waits for room, gets 503 SERVER_BUSY with
// Retry-After, and is served again once the slow senders are gone.
func TestBodiesPastTheBudgetWait(t *testing.T) {
	t.Parallel()
	const budget = 16 << 10
	h := graphtest.NewHandlerWith(t, httpapi.Options{Limits: httpapi.Limits{MaxInflightBodyBytes: budget}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	token := graphtest.MintToken(t, uuid.New(), auth.ScopeRead)
	post := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ contacts { totalCount } }"}`))
		req.Header.Set("Content-Type", applicationJSON)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the slow senders: status %d; want 200", resp.StatusCode)
	}

	// Each has sent one byte more than its first 4 KiB of room, so each
	// holds 8 KiB: half the budget.
	slow := []net.Conn{startSlowBody(t, srv, token, 50_000, 4<<10+1), startSlowBody(t, srv, token, 50_000, 4<<10+1)}
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp = post()
		if resp.StatusCode != http.StatusOK || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("with the budget held by slow senders: status %d, Retry-After %q; want 503 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	rec := graphtest.RecordRequest(h, graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, token, ""))
	if got := graphtest.DecodeResponse(t, rec); got.Status != http.StatusServiceUnavailable || got.Code() != graph.CodeServerBusy {
		t.Fatalf("with the budget held: status %d, code %q; want 503 and %s", got.Status, got.Code(), graph.CodeServerBusy)
	}

	for _, c := range slow {
		c.Close()
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp = post(); resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("once the slow senders are gone: status %d; want 200", resp.StatusCode)
	}
}
