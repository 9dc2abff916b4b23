// Package load drives HTTP load for the benchmark: a fixed number of
// clients, each on its own keep-alive connection, send requests back to
// back for a fixed time, and their latencies go into a histogram.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request the clients send.
type Request struct {
	Method string `json:"method"`
	// Path is appended to the target, such as /graphql or /contact?id=….
	Path string `json:"path"`
	// Body is sent as application/json when not empty.
	Body json.RawMessage `json:"body,omitempty"`
	// Unique, when not empty, is a marker in Body that each sending
	// replaces with a key no other sending has, so that a request that
	// creates records by their external ids creates new ones every time
	// instead of changing the ones it created before.
	Unique string `json:"unique,omitempty"`
}

// BodyWith returns the body with its Unique marker replaced by key.
func (r Request) BodyWith(key string) []byte {
	if r.Unique == "" {
		return r.Body
	}
	return bytes.ReplaceAll(r.Body, []byte(r.Unique), []byte(key))
}

// uniqueKeys hands out the keys of Request.Unique: the run's start time,
// so that the warm-up and the measured run (processes of their own) never
// share one, and a count.
type uniqueKeys struct {
	run  string
	sent atomic.Int64
}

func (k *uniqueKeys) body(r Request) []byte {
	if r.Unique == "" {
		return r.Body
	}
	return r.BodyWith(k.run + "-" + strconv.FormatInt(k.sent.Add(1), 36))
}

// Config is a load run.
type Config struct {
	// Target is the server's base URL, such as http://127.0.0.1:8080.
	Target string
	// Requests are sent in turn; each client starts at its own offset, so
	// that concurrent requests differ.
	Requests []Request
	// Header is added to every request.
	Header      http.Header
	Concurrency int
	Duration    time.Duration
}

// Result is what a run measured.
type Result struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	// ResponseBytes is the mean size of a response body.
	ResponseBytes int64 `json:"response_bytes"`
	// FirstError describes the first failed request, if any.
	FirstError string `json:"first_error,omitempty"`
}

// requestTimeout fails a request that hangs instead of stalling the run.
const requestTimeout = 30 * time.Second

// Run sends cfg's requests until its duration is over or ctx is done.
// Requests in flight at the end are waited for and counted. A request
// fails when its status is not 2xx or its body has an "errors" member,
// as GraphQL responses with errors do.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.Requests) == 0 || cfg.Concurrency < 1 || cfg.Duration <= 0 {
		return Result{}, errors.New("load: need requests, a concurrency of at least 1 and a duration")
	}
	transport := &http.Transport{
		MaxIdleConnsPerHost: cfg.Concurrency,
		MaxConnsPerHost:     cfg.Concurrency,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: requestTimeout}

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	keys := &uniqueKeys{run: strconv.FormatInt(start.UnixNano(), 36)}
	stats := make([]clientStats, cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range stats {
		wg.Go(func() {
			offset := i * len(cfg.Requests) / cfg.Concurrency
			stats[i].run(ctx, client, cfg, keys, offset, start, deadline)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var total clientStats
	for i := range stats {
		total.merge(&stats[i])
	}
	res := Result{
		Requests:   total.requests,
		Errors:     total.errors,
		Seconds:    elapsed.Seconds(),
		RPS:        rate(stats),
		P50Ms:      milliseconds(total.latency.Quantile(0.50)),
		P99Ms:      milliseconds(total.latency.Quantile(0.99)),
		FirstError: total.firstError,
	}
	if total.requests > 0 {
		res.ResponseBytes = total.bytes / total.requests
	}
	return res, ctx.Err()
}

// rate is the clients' requests per second: the sum of each client's
// requests over the time it took them, from the start to its last
// answer. Counting all the requests over the time to the last answer of
// any client would count the time the others wait for it, idle: up to a
// request's latency, a tenth of a short run of bulk_upsert_1000 (about a
// second a call), and more or less in each run.
func rate(stats []clientStats) float64 {
	var rps float64
	for _, s := range stats {
		if s.busy > 0 {
			rps += float64(s.requests) / s.busy.Seconds()
		}
	}
	return rps
}

func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// clientStats is what one client measured.
type clientStats struct {
	requests, errors, bytes int64
	latency                 Histogram
	firstError              string
	// busy is the time from the run's start to the client's last answer.
	busy time.Duration
}

func (s *clientStats) merge(o *clientStats) {
	s.requests += o.requests
	s.errors += o.errors
	s.bytes += o.bytes
	s.latency.Merge(&o.latency)
	if s.firstError == "" {
		s.firstError = o.firstError
	}
}

// run sends requests one after the other until the deadline.
func (s *clientStats) run(ctx context.Context, client *http.Client, cfg Config, keys *uniqueKeys, next int, start, deadline time.Time) {
	var body bytes.Buffer
	defer func() { s.busy = time.Since(start) }()
	for ctx.Err() == nil && time.Now().Before(deadline) {
		r := cfg.Requests[next%len(cfg.Requests)]
		next++
		reqBody := keys.body(r)
		body.Reset()
		began := time.Now()
		err := Send(ctx, client, cfg, r, reqBody, &body)
		s.latency.Record(time.Since(began))
		s.requests++
		s.bytes += int64(body.Len())
		if err != nil {
			s.errors++
			if s.firstError == "" {
				s.firstError = fmt.Sprintf("%s %s: %v", r.Method, r.Path, err)
			}
		}
	}
}

// errorsMember is how a GraphQL response with errors starts its list.
var errorsMember = []byte(`"errors":`)

// Send makes one request of a run with cfg (its Target and Header) and
// reads the whole response into body; an answer that is not 2xx, or that
// has GraphQL errors, is an error. reqBody is r's body with its Unique
// marker replaced.
func Send(ctx context.Context, client *http.Client, cfg Config, r Request, reqBody []byte, body *bytes.Buffer) error {
	var bodyReader io.Reader
	if len(reqBody) > 0 {
		bodyReader = bytes.NewReader(reqBody)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, cfg.Target+r.Path, bodyReader)
	if err != nil {
		return err
	}
	for name, values := range cfg.Header {
		req.Header[name] = values
	}
	if bodyReader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 || bytes.Contains(body.Bytes(), errorsMember) {
		return fmt.Errorf("status %d: %s", resp.StatusCode, truncate(body.Bytes(), 300))
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
