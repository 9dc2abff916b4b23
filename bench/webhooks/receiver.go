package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/contacts-api/contacts/bench/load"
)

// verifyEvery is how often the receiver verifies a delivery's signature:
// one in verifyEvery, so that verifying does not take the CPU the
// deliveries are measured on.
const verifyEvery = 100

// receiver is the webhook endpoint under the benchmark: it answers 204,
// counts the deliveries by webhook-id, keeps when each arrived and how long
// after its event, and verifies the signature of a sample with the
// Standard Webhooks library.
type receiver struct {
	server *http.Server
	url    string

	mu       sync.Mutex
	verifier *standardwebhooks.Webhook
	seen     map[string]int
	// first and last are when the first and the last delivery arrived.
	first, last time.Time
	// latencies are, for each first delivery of an event, the time from
	// the event to its receipt.
	latencies load.Histogram
	// verified counts the signatures checked; badSignatures those that
	// did not verify; malformed the bodies without an event's timestamp.
	verified, badSignatures, malformed int
	// connections counts the connections the servers opened: fewer than
	// their workers when they keep them alive.
	connections int
}

func startReceiver() (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + l.Addr().String(), seen: map[string]int{}}
	r.server = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, ConnState: r.countConnection}
	go r.server.Serve(l)
	return r, nil
}

// expect sets the endpoint's signing secret and forgets what came before.
func (r *receiver) expect(secret string) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.verifier, r.seen, r.latencies = wh, map[string]int{}, load.Histogram{}
	r.first, r.last = time.Time{}, time.Time{}
	r.verified, r.badSignatures, r.malformed, r.connections = 0, 0, 0, 0
	return nil
}

func (r *receiver) countConnection(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		r.mu.Lock()
		r.connections++
		r.mu.Unlock()
	}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	at := time.Now()
	var event struct {
		Timestamp time.Time `json:"timestamp"`
	}
	parsed := json.Unmarshal(body, &event) == nil && !event.Timestamp.IsZero()
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	n := r.seen[id]
	r.seen[id] = n + 1
	verify := len(r.seen)%verifyEvery == 1 && n == 0
	if r.first.IsZero() {
		r.first = at
	}
	r.last = at
	if !parsed {
		r.malformed++
	} else if n == 0 {
		r.latencies.Record(at.Sub(event.Timestamp))
	}
	verifier := r.verifier
	r.mu.Unlock()
	if verify {
		bad := verifier.Verify(body, req.Header) != nil
		r.mu.Lock()
		r.verified++
		if bad {
			r.badSignatures++
		}
		r.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

// tally is what the receiver got.
type tally struct {
	distinct, total                    int
	first, last                        time.Time
	p50, p99                           time.Duration
	verified, badSignatures, malformed int
	connections                        int
}

func (r *receiver) tally() tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := tally{distinct: len(r.seen), first: r.first, last: r.last,
		verified: r.verified, badSignatures: r.badSignatures, malformed: r.malformed, connections: r.connections}
	for _, n := range r.seen {
		t.total += n
	}
	t.p50, t.p99 = r.latencies.Quantile(0.50), r.latencies.Quantile(0.99)
	return t
}
