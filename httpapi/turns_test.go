package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest/atonce"
	"github.com/contacts-api/contacts/graph/request"
)

// TestTurnsBoundTheRequestsRunningAtOnce: past the bound, requests wait
// for a turn.
func TestTurnsBoundTheRequestsRunningAtOnce(t *testing.T) {
	turns := newTurns(2)
	got := atonce.Most(5, func(work func()) func() {
		h := turns.take(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { work() }))
		return func() {
			h.ServeHTTP(newResponseWriter(httptest.NewRecorder()), httptest.NewRequest(http.MethodPost, "/graphql", nil))
		}
	}, func(running int) bool { return running >= 2 && turns.Waiting() >= 3 })
	if got != 2 {
		t.Errorf("%d requests ran at once, want 2", got)
	}
}

// TestATurnEndsAsTheResponseStarts: a request whose response is being
// sent, to a client that reads slowly say, has made its last statement
// and holds no turn.
func TestATurnEndsAsTheResponseStarts(t *testing.T) {
	turns := newTurns(1)
	sending := make(chan struct{})
	slowReader := make(chan struct{})
	h := turns.take(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		if r.URL.Path == "/slow" {
			close(sending)
			<-slowReader
		}
	}))
	go h.ServeHTTP(newResponseWriter(httptest.NewRecorder()), httptest.NewRequest(http.MethodPost, "/slow", nil))
	<-sending
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(newResponseWriter(httptest.NewRecorder()), httptest.NewRequest(http.MethodPost, "/graphql", nil))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("a request waited for the turn of one whose response was being sent")
	}
	close(slowReader)
}

// TestARequestWaitsForItsTurnBoundedly: past its wait, a request is told
// to come back (503 SERVER_BUSY with Retry-After), not kept waiting.
func TestARequestWaitsForItsTurnBoundedly(t *testing.T) {
	turns := newTurns(1)
	turns.maxWait = 50 * time.Millisecond
	turns.running.Acquire(context.Background(), 1) // another request runs
	ran := false
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	ctx, _ := request.Start(r.Context(), rec.Header())
	turns.take(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true })).ServeHTTP(newResponseWriter(rec), r.WithContext(ctx))
	if ran || rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), graph.CodeServerBusy) {
		t.Errorf("a request that waited past its bound: ran %v, status %d, Retry-After %q, body %s; want 503 %s with Retry-After",
			ran, rec.Code, rec.Header().Get("Retry-After"), rec.Body, graph.CodeServerBusy)
	}
}

// TestAPausedRequestLendsItsTurn: a request that waits for another one
// holding its idempotency key gives its turn back while it waits.
func TestAPausedRequestLendsItsTurn(t *testing.T) {
	turns := newTurns(1)
	waiter := &turn{turns: turns}
	if err := waiter.take(context.Background()); err != nil {
		t.Fatal(err)
	}
	paused := make(chan error)
	go func() { paused <- waiter.pause(context.Background(), 200*time.Millisecond) }()
	other := &turn{turns: turns}
	if err := other.take(context.Background()); err != nil {
		t.Fatalf("another request got no turn while the only one was lent: %v", err)
	}
	other.give()
	if err := <-paused; err != nil {
		t.Fatalf("the paused request did not get its turn back: %v", err)
	}
	waiter.give()
}

// TestAWebSocketsOperationsTakeTurns: a query over a WebSocket (no
// request record) waits for a turn; a subscription does not.
func TestAWebSocketsOperationsTakeTurns(t *testing.T) {
	turns := newTurns(1)
	turns.running.Acquire(context.Background(), 1) // an HTTP request runs
	run := func(op ast.Operation) chan struct{} {
		ran := make(chan struct{})
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: op}})
		go func() {
			turns.InterceptOperation(ctx, func(context.Context) graphql.ResponseHandler {
				close(ran)
				return graphql.OneShot(&graphql.Response{})
			})(ctx)
		}()
		return ran
	}
	select {
	case <-run(ast.Subscription):
	case <-time.After(10 * time.Second):
		t.Fatal("a subscription waited for a turn")
	}
	query := run(ast.Query)
	time.Sleep(50 * time.Millisecond) // time for it to run, were it let in
	select {
	case <-query:
		t.Fatal("a query over a WebSocket ran while every turn was taken")
	default:
	}
	turns.running.Release(1)
	select {
	case <-query:
	case <-time.After(10 * time.Second):
		t.Fatal("a query over a WebSocket did not run once a turn was free")
	}
}

// TestAnIdempotentRetryThatCannotRetakeItsTurnIsBusy: a retry that lent
// its turn while another request held its idempotency key, and could not
// take it back, did not run: it is told to come back (503 SERVER_BUSY),
// not that the server failed.
func TestAnIdempotentRetryThatCannotRetakeItsTurnIsBusy(t *testing.T) {
	turns := newTurns(1)
	turns.maxWait = 50 * time.Millisecond
	retry := &turn{turns: turns}
	if err := retry.take(context.Background()); err != nil {
		t.Fatal(err)
	}
	paused := make(chan error)
	go func() { paused <- retry.pause(context.Background(), 20*time.Millisecond) }()
	turns.running.Acquire(context.Background(), 1) // another request takes the lent turn
	defer turns.running.Release(1)
	err := <-paused
	rec := httptest.NewRecorder()
	ctx, _ := request.Start(context.Background(), rec.Header())
	writeIdempotencyError(ctx, rec, err)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), graph.CodeServerBusy) {
		t.Errorf("a retry that got no turn back: status %d, Retry-After %q, body %s; want 503 %s with Retry-After",
			rec.Code, rec.Header().Get("Retry-After"), rec.Body, graph.CodeServerBusy)
	}
}
