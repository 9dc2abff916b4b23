package load

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsRequestsBytesAndErrors(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Authorization") != "Bearer t" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/bad" {
			w.Write([]byte(`{"errors":[{"message":"boom"}]}`))
			return
		}
		w.Write([]byte(`{"data":{"ok":true}}`)) // 20 bytes
	}))
	defer srv.Close()

	cfg := Config{
		Target:      srv.URL,
		Requests:    []Request{{Method: "GET", Path: "/ok"}, {Method: "POST", Path: "/ok", Body: []byte(`{"query":"{ ok }"}`)}},
		Header:      http.Header{"Authorization": {"Bearer t"}},
		Concurrency: 4,
		Duration:    200 * time.Millisecond,
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Requests != served.Load() {
		t.Errorf("counted %d requests, the server saw %d", res.Requests, served.Load())
	}
	if res.Errors != 0 || res.ResponseBytes != 20 {
		t.Errorf("errors = %d, response bytes = %d; want 0 and 20 (first error: %s)", res.Errors, res.ResponseBytes, res.FirstError)
	}
	if res.RPS <= 0 || res.P50Ms <= 0 || res.P99Ms < res.P50Ms {
		t.Errorf("rps %.1f, p50 %.3f ms, p99 %.3f ms: want positive rates and p99 >= p50", res.RPS, res.P50Ms, res.P99Ms)
	}

	cfg.Requests = []Request{{Method: "GET", Path: "/bad"}}
	res, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != res.Requests || !strings.Contains(res.FirstError, "boom") {
		t.Errorf("errors = %d of %d (first %q), want every GraphQL error response counted", res.Errors, res.Requests, res.FirstError)
	}
}

func TestRunGivesEachSendingItsOwnUniqueKey(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[string(body)]++
		mu.Unlock()
		w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()

	cfg := Config{
		Target:      srv.URL,
		Requests:    []Request{{Method: "POST", Path: "/", Body: []byte(`{"id":"a-KEY","other":"b-KEY"}`), Unique: "KEY"}},
		Concurrency: 4,
		Duration:    100 * time.Millisecond,
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(seen)) != res.Requests {
		t.Errorf("%d distinct bodies in %d requests, want each request's own", len(seen), res.Requests)
	}
	for body := range seen {
		if strings.Contains(body, "KEY") || !strings.HasPrefix(body, `{"id":"a-`) {
			t.Errorf("sent %s, want the marker replaced everywhere", body)
			break
		}
	}
}

func TestRateCountsEachClientUntilItsOwnLastAnswer(t *testing.T) {
	// A run of 350 ms: one client's requests take 300 ms (2 of them, the
	// last answered at 600 ms), the other's 100 ms (4, the last at 400
	// ms). The server answered 1/0.3 + 1/0.1 requests a second; 6
	// requests over 600 ms would say 10, counting the second client's
	// 200 ms of waiting for the first.
	stats := []clientStats{{requests: 2, busy: 600 * time.Millisecond}, {requests: 4, busy: 400 * time.Millisecond}}
	if got, want := rate(stats), 2/0.6+4/0.4; math.Abs(got-want) > 1e-9 {
		t.Errorf("rate = %.3f requests/s, want %.3f", got, want)
	}
}
