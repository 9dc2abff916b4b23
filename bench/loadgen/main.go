// Command loadgen sends HTTP load to a server and prints what it measured
// as JSON: requests per second, p50 and p99 latency, response bytes. The
// benchmark runs it as a process of its own, so that it shares no runtime
// with the server it measures.
//
//	loadgen -target http://127.0.0.1:8080 -requests requests.jsonl \
//	  -header "Authorization: Bearer …" -concurrency 32 -duration 20s
//
// Each line of the requests file is a JSON object: {"method": "POST",
// "path": "/graphql", "body": {…}}, with "unique": "MARKER" when each
// sending must replace MARKER in the body with a key of its own.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/contacts-api/contacts/bench/command"
	"github.com/contacts-api/contacts/bench/load"
)

func main() { command.Main("loadgen", run) }

// headers collects repeated -header flags.
type headers http.Header

func (h headers) String() string { return fmt.Sprint(http.Header(h)) }

func (h headers) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("header %q is not Name: value", s)
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

func run(ctx context.Context) error {
	cfg := load.Config{Header: http.Header{}}
	flag.StringVar(&cfg.Target, "target", "", "the server's base URL, such as http://127.0.0.1:8080")
	requests := flag.String("requests", "", "a file of requests, one JSON object per line")
	flag.Var(headers(cfg.Header), "header", "a header sent with every request, as \"Name: value\" (repeatable)")
	flag.IntVar(&cfg.Concurrency, "concurrency", 32, "how many clients send requests at once, each on its own connection")
	flag.DurationVar(&cfg.Duration, "duration", 20*time.Second, "how long to send requests")
	flag.Parse()
	if cfg.Target == "" || *requests == "" {
		flag.Usage()
		return fmt.Errorf("-target and -requests are required")
	}
	var err error
	if cfg.Requests, err = readRequests(*requests); err != nil {
		return err
	}
	res, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func readRequests(path string) ([]load.Request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var reqs []load.Request
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r load.Request
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("%s holds no requests", path)
	}
	return reqs, nil
}
