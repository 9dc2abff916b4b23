package graphtest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"

	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/live"
)

// ServeLive serves the API with subscriptions, listening for the test
// database's events, until the test ends, and returns its URL.
func ServeLive(t testing.TB, limits live.Limits) string {
	t.Helper()
	return ServeLiveWith(t, limits, httpapi.Options{})
}

// ServeLiveWith is ServeLive with the handler's options opts, such as
// the playground's; their Service and Live are the test's.
func ServeLiveWith(t testing.TB, limits live.Limits, opts httpapi.Options) string {
	t.Helper()
	svc := NewService(t)
	hub := live.NewHub(svc, limits)
	ctx, cancel := context.WithCancel(context.Background())
	go live.Listen(ctx, dbtest.URL(t), hub)
	opts.Service, opts.Live = svc, hub
	srv := httptest.NewServer(NewHandlerWith(t, opts))
	t.Cleanup(func() {
		cancel()
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL
}

// Socket is a graphql-transport-ws client of one WebSocket connection.
type Socket struct {
	t    testing.TB
	conn *websocket.Conn
}

// SocketMessage is a message of graphql-transport-ws.
type SocketMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// DialSocket opens a WebSocket to the GraphQL endpoint of the server at
// url and sends connection_init with payload. It returns the error, and
// the close code, of a connection closed before its connection_ack.
func DialSocket(t testing.TB, url string, payload map[string]any) (*Socket, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, strings.Replace(url, "http", "ws", 1)+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.CloseNow() })
	s := &Socket{t: t, conn: conn}
	if err := s.send(SocketMessage{Type: "connection_init", Payload: mustJSON(t, payload)}); err != nil {
		return nil, err
	}
	for {
		m, err := s.Next(10 * time.Second)
		if err != nil {
			return nil, err
		}
		if m.Type == "connection_ack" {
			return s, nil
		}
	}
}

// BearerPayload is the connection_init payload that carries token.
func BearerPayload(token string) map[string]any {
	return map[string]any{"Authorization": "Bearer " + token}
}

// Subscribe starts the subscription id.
func (s *Socket) Subscribe(id, query string, vars map[string]any) {
	s.t.Helper()
	payload := mustJSON(s.t, map[string]any{"query": query, "variables": vars})
	if err := s.send(SocketMessage{ID: id, Type: "subscribe", Payload: payload}); err != nil {
		s.t.Fatalf("subscribe: %v", err)
	}
}

// Next returns the next message other than a ping (which it answers) or
// a pong, waiting up to timeout.
func (s *Socket) Next(timeout time.Duration) (SocketMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		var m SocketMessage
		if err := wsjson.Read(ctx, s.conn, &m); err != nil {
			return m, err
		}
		switch m.Type {
		case "ping":
			if err := s.send(SocketMessage{Type: "pong"}); err != nil {
				return m, err
			}
		case "pong", "ka":
		default:
			return m, nil
		}
	}
}

// CloseStatus returns the close code of err, a Socket's, or -1.
func CloseStatus(err error) int { return int(websocket.CloseStatus(err)) }

func (s *Socket) send(m SocketMessage) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return wsjson.Write(ctx, s.conn, m)
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RecordEvents writes changes as events of workspace ws (provisioned
// first) in one statement of a transaction of their own, as a mutation
// does.
func RecordEvents(t testing.TB, ws uuid.UUID, changes ...events.Change) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "test"})
	if err := NewService(t).Provision(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if err := db.NewStore(dbtest.DB(t)).InTx(ctx, ws, func(tx *db.Store) error { return events.Record(ctx, tx, ws, changes) }); err != nil {
		t.Fatal(err)
	}
}

// HoldEvent writes an event of recordID in workspace ws through store, in
// a transaction that stays open until the commit it returns is called:
// for the tests of a write that commits late, after later ones. commit
// returns the transaction's error, also when it ended before it wrote.
func HoldEvent(ctx context.Context, store *db.Store, ws uuid.UUID, recordID string) (commit func() error) {
	written, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- store.InTx(ctx, ws, func(tx *db.Store) error {
			err := events.Record(ctx, tx, ws, []events.Change{{Type: events.ContactDeleted, RecordID: recordID}})
			close(written)
			<-release
			return err
		})
	}()
	select {
	case <-written:
		return func() error {
			close(release)
			return <-done
		}
	case err := <-done:
		return func() error { return err }
	}
}
