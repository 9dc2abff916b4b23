package client

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	const backoff = 400 * time.Millisecond
	withRetryAfter := func(v string) *http.Response {
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {v}}}
	}
	tests := []struct {
		name     string
		resp     *http.Response
		min, max time.Duration
		retry    bool
	}{
		{"a network error backs off", nil, backoff / 2, backoff, true},
		{"a response without Retry-After backs off", &http.Response{StatusCode: http.StatusBadGateway, Header: http.Header{}}, backoff / 2, backoff, true},
		{"Retry-After in seconds, above the backoff", withRetryAfter("1"), time.Second, time.Second, true},
		{"Retry-After below the backoff", withRetryAfter("0"), backoff / 2, backoff, true},
		{"Retry-After as a date", withRetryAfter(now.Add(5 * time.Second).Format(http.TimeFormat)), 5 * time.Second, 5 * time.Second, true},
		{"Retry-After as a date gone by", withRetryAfter(now.Add(-time.Minute).Format(http.TimeFormat)), backoff / 2, backoff, true},
		{"a Retry-After that does not parse", withRetryAfter("soon"), backoff / 2, backoff, true},
		{"Retry-After at the bound", withRetryAfter("30"), MaxRetryAfter, MaxRetryAfter, true},
		{"Retry-After beyond the bound", withRetryAfter("31"), 0, 0, false},
	}
	for _, tt := range tests {
		for range 20 {
			wait, retry := retryWait(tt.resp, backoff, now)
			if retry != tt.retry || wait < tt.min || wait > tt.max {
				t.Errorf("%s: wait %s, retry %v; want %s to %s, retry %v", tt.name, wait, retry, tt.min, tt.max, tt.retry)
				break
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		wait, _ := retryWait(nil, backoff, now)
		seen[wait] = true
	}
	if len(seen) < 2 {
		t.Errorf("50 waits of one backoff were all %v; want them spread by jitter", seen)
	}
}

// TestTransportHonoursRetryAfter retries a 503 with Retry-After: 1 no
// sooner than a second later, whatever the backoff, and returns at once a
// 429 whose Retry-After is beyond MaxRetryAfter.
func TestTransportHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	// do serves an API that answers its first request with status and
	// retryAfter, the others with 200, sends it a request through a
	// transport, and returns the response and how many requests it took.
	do := func(status int, retryAfter string) (*http.Response, int32, error) {
		var requests atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if requests.Add(1) == 1 {
				w.Header().Set("Retry-After", retryAfter)
				w.WriteHeader(status)
			}
		}))
		t.Cleanup(srv.Close)
		tr := &transport{http: srv.Client(), tokens: StaticToken("t"), attempts: 3, backoff: time.Millisecond}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tr.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, requests.Load(), err
	}

	start := time.Now()
	resp, requests, err := do(http.StatusServiceUnavailable, "1")
	if err != nil || resp.StatusCode != http.StatusOK || requests != 2 {
		t.Fatalf("a 503 with Retry-After: 1: %v, %v after %d requests; want 200 after 2", resp, err, requests)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("the retry of a 503 with Retry-After: 1 came %s after; want a second at least", waited)
	}
	resp, requests, err = do(http.StatusTooManyRequests, "3600")
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || requests != 1 {
		t.Fatalf("a 429 with Retry-After: 3600: %v, %v after %d requests; want the 429 at once", resp, err, requests)
	}
}

// TestNegativeBackoff: WithRetries with a negative backoff retries at
// once, rather than panic drawing the jitter.
func TestNegativeBackoff(t *testing.T) {
	t.Parallel()
	tr := &transport{}
	WithRetries(2, -time.Second)(tr)
	if wait, retry := retryWait(nil, tr.backoff, time.Now()); wait != 0 || !retry {
		t.Errorf("a negative backoff: wait %s, retry %v; want 0 and a retry", wait, retry)
	}
}
