package httpapi

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTurnsBoundTheRequestsRunningAtOnce: past the bound, requests wait
// for a turn.
func TestTurnsBoundTheRequestsRunningAtOnce(t *testing.T) {
	turns := newTurns(2)
	var running, most atomic.Int32
	finish := make(chan struct{})
	h := turns.take(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-finish
		running.Add(-1)
	}))
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			h.ServeHTTP(newResponseWriter(httptest.NewRecorder()), httptest.NewRequest(http.MethodPost, "/graphql", nil))
		})
	}
	for running.Load() < 2 || turns.Waiting() < 3 {
		time.Sleep(time.Millisecond)
	}
	close(finish)
	wg.Wait()
	if got := most.Load(); got != 2 {
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
