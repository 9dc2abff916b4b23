package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/live"
)

// record writes an event of type typ of record id in workspace ws.
func record(t *testing.T, ws uuid.UUID, typ events.Type, id string) {
	graphtest.RecordEvents(t, ws, events.Change{Type: typ, RecordID: id})
}

// nextEvent returns the record id and type of the subscription's next
// event.
func nextEvent(t *testing.T, s *graphtest.Socket) (recordID, typ string) {
	t.Helper()
	m, err := s.Next(10 * time.Second)
	if err != nil || m.Type != "next" {
		t.Fatalf("got %s %s (%v); want the next event", m.Type, m.Payload, err)
	}
	var payload struct {
		Data   map[string]struct{ RecordID, Type string }
		Errors []graphtest.GQLError
	}
	if err := json.Unmarshal(m.Payload, &payload); err != nil || len(payload.Errors) > 0 {
		t.Fatalf("next = %s (%v)", m.Payload, err)
	}
	for _, e := range payload.Data {
		return e.RecordID, e.Type
	}
	t.Fatalf("next = %s, without data", m.Payload)
	return "", ""
}

func TestSubscriptionGetsItsOwnWorkspacesEventsOnly(t *testing.T) {
	t.Parallel()
	url := graphtest.ServeLive(t, live.Limits{})
	ours, theirs := uuid.New(), uuid.New()
	s, err := graphtest.DialSocket(t, url, graphtest.BearerPayload(graphtest.MintToken(t, ours, auth.ScopeRead)))
	if err != nil {
		t.Fatal(err)
	}
	s.Subscribe("1", `subscription { changes { recordId type } }`, nil)
	s.Subscribe("2", `subscription($ids: [ID!]) { contactChanged(ids: $ids) { recordId type } }`, map[string]any{"ids": []string{"contact_b"}})
	// Subscribing is asynchronous: let both start before writing.
	time.Sleep(300 * time.Millisecond)
	record(t, theirs, events.ContactCreated, "contact_theirs")
	record(t, ours, events.APIKeyCreated, "api_key_hidden") // needs keys:admin
	record(t, ours, events.ContactCreated, "contact_a")
	record(t, ours, events.ContactDeleted, "contact_b")
	var got []string
	for range 3 {
		id, typ := nextEvent(t, s)
		got = append(got, id+" "+typ)
	}
	want := map[string]bool{"contact_a CONTACT_CREATED": true, "contact_b CONTACT_DELETED": true}
	for _, g := range got {
		if !want[strings.TrimSpace(g)] {
			t.Errorf("the subscriber got %q: another workspace's event, a hidden type, or a record it did not ask for; got %v", g, got)
		}
	}
}

func TestConnectionInitWithoutAValidCredentialIsRefused(t *testing.T) {
	t.Parallel()
	url := graphtest.ServeLive(t, live.Limits{})
	ws := uuid.New()
	tests := []struct {
		name    string
		payload map[string]any
	}{
		{"no credential", nil},
		{"a bad token", graphtest.BearerPayload("not-a-token")},
		{"a token of another signer", graphtest.BearerPayload(strings.Repeat("x", 40))},
		{"an unknown API key", map[string]any{"X-API-Key": "ck_" + strings.Repeat("a", 40)}},
		{"a token without contacts:read", graphtest.BearerPayload(graphtest.MintToken(t, ws, auth.ScopeKeysAdmin))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := graphtest.DialSocket(t, url, tt.payload)
			if code := graphtest.CloseStatus(err); code != httpapi.CloseForbidden {
				t.Errorf("connection_init: close code %d (%v); want %d", code, err, httpapi.CloseForbidden)
			}
		})
	}
}

func TestSubscriptionsPerConnectionAreLimited(t *testing.T) {
	t.Parallel()
	url := graphtest.ServeLive(t, live.Limits{PerConnection: 1})
	s, err := graphtest.DialSocket(t, url, graphtest.BearerPayload(graphtest.MintToken(t, uuid.New(), auth.ScopeRead)))
	if err != nil {
		t.Fatal(err)
	}
	s.Subscribe("1", `subscription { changes { id } }`, nil)
	s.Subscribe("2", `subscription { changes { id } }`, nil)
	m, err := s.Next(10 * time.Second)
	if err != nil || !strings.Contains(string(m.Payload), "LIMIT_EXCEEDED") {
		t.Errorf("one of two subscriptions got %s %s %s (%v); want an error LIMIT_EXCEEDED", m.ID, m.Type, m.Payload, err)
	}
}

func TestSubscriptionDocumentsHaveTheQueryLimits(t *testing.T) {
	t.Parallel()
	url := graphtest.ServeLive(t, live.Limits{})
	s, err := graphtest.DialSocket(t, url, graphtest.BearerPayload(graphtest.MintToken(t, uuid.New(), auth.ScopeRead)))
	if err != nil {
		t.Fatal(err)
	}
	var aliases strings.Builder
	for i := range httpapi.DefaultLimits.MaxAliases + 1 {
		fmt.Fprintf(&aliases, " a%d: id", i)
	}
	s.Subscribe("1", `subscription { changes {`+aliases.String()+` } }`, nil)
	m, err := s.Next(10 * time.Second)
	if err != nil || !strings.Contains(string(m.Payload), "TOO_MANY_ALIASES") {
		t.Errorf("a subscription of too many aliases got %s %s (%v); want TOO_MANY_ALIASES", m.Type, m.Payload, err)
	}
}

func TestWebSocketsFromOtherOriginsAreRefused(t *testing.T) {
	t.Parallel()
	url := graphtest.ServeLive(t, live.Limits{})
	req, _ := http.NewRequest(http.MethodGet, url+"/graphql", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a WebSocket from an origin not allowed got %d; want 403", resp.StatusCode)
	}
}

// TestSubscriptionOverHTTPIsRefused sends a subscription as a POST and as
// a GET: each is answered at once with BAD_REQUEST, instead of being held
// open until the subscription's first event.
func TestSubscriptionOverHTTPIsRefused(t *testing.T) {
	t.Parallel()
	url := graphtest.ServeLive(t, live.Limits{})
	token := graphtest.MintToken(t, uuid.New(), auth.ScopeRead)
	const subscription = `subscription { changes { recordId type } }`
	body, _ := json.Marshal(map[string]string{"query": subscription})
	for _, req := range []*http.Request{
		graphtest.NewGraphQLRequest(http.MethodPost, url+"/graphql", string(body), token, ""),
		graphtest.NewGraphQLRequest(http.MethodGet, url+"/graphql?query="+neturl.QueryEscape(subscription), "", token, ""),
	} {
		req.RequestURI = "" // a client's request, not a server's
		client := http.Client{Timeout: 5 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s subscription: %v; want an answer at once", req.Method, err)
		}
		var answer graphtest.Response
		json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if answer.Code() != graph.CodeBadRequest || answer.Data != nil {
			t.Errorf("%s subscription: status %d, code %q, data %s; want %s and no data", req.Method, resp.StatusCode, answer.Code(), answer.Data, graph.CodeBadRequest)
		}
	}
}
