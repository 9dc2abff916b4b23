package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"time"

	"github.com/contacts-api/contacts/bench/load"
	"github.com/contacts-api/contacts/bench/serverproc"
)

// A case's measured runs, round by round: on each server it is compared
// on, a check of one answer, a warm-up, then the measured run of the load
// generator, while the driver samples the server's and the database's
// CPU time, the server's memory and the statements' times and plans.

// sameAnswers checks that the raw baseline answers a case's first request
// with the same data as the GraphQL server, so that it is a fair floor.
func (b *bench) sameAnswers(ctx context.Context, c benchCase) error {
	want, err := b.checkResponse(ctx, b.server, c.graphql[0], c.check)
	if err != nil {
		return err
	}
	got, err := b.checkResponse(ctx, b.baseline, c.baseline[0], c.check)
	if err != nil {
		return err
	}
	var w, g any
	if err := errors.Join(json.Unmarshal(want, &w), json.Unmarshal(got, &g)); err != nil {
		return err
	}
	if !reflect.DeepEqual(w, g) {
		return fmt.Errorf("the raw baseline answers\n%s\nwhere GraphQL answers\n%s", got, want)
	}
	return nil
}

// measureRounds runs c in b.rounds rounds against the server under
// row-level security and the servers it is compared with: the one
// without row-level security, and the one without change events for a
// write, or the raw baseline for a case that has one. In each round the
// comparators run on either side of the server under test, in an order
// that turns every round (see paired.go); then fl, c's floor, when it has
// one. It fills in r: each server's measurement of each round, and what
// each run's statements took. beforeRun runs once, before the first
// measured run under row-level security.
func (b *bench) measureRounds(ctx context.Context, c benchCase, fl *floor, r *caseResult, beforeRun func() error) error {
	on := &way{p: b.server, reqs: c.graphql, into: &r.graphql}
	comparators := []*way{{p: b.withoutRLS, reqs: c.graphql, into: &r.withoutRLS}}
	if !c.read {
		comparators = append(comparators, &way{p: b.withoutEvents, reqs: c.graphql, into: &r.withoutEvents})
	}
	if c.baseline != nil {
		comparators = append(comparators, &way{p: b.baseline, reqs: c.baseline, into: &r.baseline})
	}
	for _, w := range append([]*way{on}, comparators...) {
		var err error
		if w.file, err = writeRequests(b.dir, w.reqs); err != nil {
			return err
		}
	}
	fmt.Print(", rounds")
	for round := range b.rounds {
		fmt.Printf(" %d", round+1)
		for _, w := range roundOrder(round, on, comparators) {
			var hook func() error
			if w.p == b.server && round == 0 {
				hook = beforeRun
			}
			m, err := b.measure(ctx, w.p, c, w.reqs[0], w.file, warmup(b.duration, round == 0), hook)
			if err != nil {
				return fmt.Errorf("%s: %w", w.p.Name, err)
			}
			*w.into = append(*w.into, m)
			r.profiles = append(r.profiles, roundProfile{server: w.p.Name, round: round + 1, rps: m.rps, times: m.times})
		}
		if fl != nil {
			rps, times, err := b.runFloor(ctx, fl, b.clients(c), b.duration)
			if err != nil {
				return err
			}
			r.floorRounds = append(r.floorRounds, rps)
			r.profiles = append(r.profiles, roundProfile{server: "floor (pgbench)", round: round + 1, rps: rps, times: times})
		}
	}
	return nil
}

// measure runs one case against one server: a check of one response
// (first, one of the requests of the file requests), a warm-up for warm,
// then the measured run. beforeRun, when set, runs between the warm-up
// and the measured run.
func (b *bench) measure(ctx context.Context, p *serverproc.Process, c benchCase, first load.Request, requests string, warm time.Duration, beforeRun func() error) (measurement, error) {
	if _, err := b.checkResponse(ctx, p, first, c.check); err != nil {
		return measurement{}, err
	}
	clients := b.clients(c)
	if _, err := b.loadgen(ctx, p, requests, clients, warm); err != nil {
		return measurement{}, fmt.Errorf("warm-up: %w", err)
	}
	if beforeRun != nil {
		if err := beforeRun(); err != nil {
			return measurement{}, err
		}
	}
	if err := b.db.resetStatements(ctx); err != nil {
		return measurement{}, err
	}
	logPath, err := b.db.logPath(ctx)
	if err != nil {
		return measurement{}, err
	}
	logStart, err := os.Stat(logPath)
	if err != nil {
		return measurement{}, err
	}
	before, err := b.cpuTimes(p)
	if err != nil {
		return measurement{}, err
	}
	stopSampling := make(chan struct{})
	peak := sampleRSS(p, stopSampling)
	res, err := b.loadgen(ctx, p, requests, clients, b.duration)
	close(stopSampling)
	if err != nil {
		return measurement{}, err
	}
	after, err := b.cpuTimes(p)
	if err != nil {
		return measurement{}, err
	}
	statements, err := b.db.statements(ctx)
	if err != nil {
		return measurement{}, err
	}
	times, err := b.db.statementTimes(ctx)
	if err != nil {
		return measurement{}, err
	}
	plans, err := b.db.slowPlans(logPath, logStart.Size())
	if err != nil {
		return measurement{}, err
	}
	for i := range times {
		times[i].plans = plans[times[i].queryID]
	}
	if res.Requests == 0 {
		return measurement{}, errors.New("no request completed")
	}
	n := float64(res.Requests)
	return measurement{
		rps: res.RPS, p50Ms: res.P50Ms, p99Ms: res.P99Ms,
		statementsPerRequest: float64(statements) / n,
		responseBytes:        res.ResponseBytes,
		cpuSecondsPer1k:      (after.server - before.server) / n * 1000,
		dbCPUSecondsPer1k:    (after.database - before.database) / n * 1000,
		peakRSSMB:            <-peak,
		times:                times,
	}, nil
}

// cpuTime is the CPU time, in seconds, that the server under test and
// the database have used.
type cpuTime struct{ server, database float64 }

// cpuTimes reads the CPU time of p and of the database now.
func (b *bench) cpuTimes(p *serverproc.Process) (t cpuTime, err error) {
	if t.server, err = cpuSeconds(p.PID()); err != nil {
		return t, err
	}
	t.database, err = b.db.cpuSeconds()
	return t, err
}

// warmup is how long a run of d warms up: the first run of a server in
// a case long enough to fill the pools and caches and to prepare the
// case's statements on the server's connections; a later one, whose
// server kept them (its idle connections live for minutes), long enough
// for the load generator's new connections and for the machine to settle
// after the previous run, short next to the measured run.
func warmup(d time.Duration, first bool) time.Duration {
	if first {
		return min(3*time.Second, d)
	}
	return min(time.Second, d/4)
}

// clients returns how many clients send c's requests: the run's
// concurrency, or the case's own when it is lower.
func (b *bench) clients(c benchCase) int {
	if c.concurrency > 0 {
		return min(b.concurrency, c.concurrency)
	}
	return b.concurrency
}

// loadgen runs the load generator against p with that many clients for d
// and returns its result; any failed request fails the case.
func (b *bench) loadgen(ctx context.Context, p *serverproc.Process, requestsFile string, clients int, d time.Duration) (load.Result, error) {
	cmd := serverproc.Command(ctx, b.pins.loadgen, filepath.Join(b.dir, "loadgen"),
		"-target", p.URL, "-requests", requestsFile, "-header", "Authorization: Bearer "+b.token,
		"-concurrency", strconv.Itoa(clients), "-duration", d.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return load.Result{}, fmt.Errorf("loadgen: %w\n%s", err, stderr.Bytes())
	}
	var res load.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return res, fmt.Errorf("loadgen printed %q: %w", stdout.Bytes(), err)
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("%d of %d requests failed; the first: %s%s", res.Errors, res.Requests, res.FirstError, p.LogTail())
	}
	return res, nil
}

// checkResponse sends one request as the load generator sends it, checks
// its answer, so that a case never measures how fast a server fails, and
// returns its data.
func (b *bench) checkResponse(ctx context.Context, p *serverproc.Process, r load.Request, check func(json.RawMessage) error) (json.RawMessage, error) {
	cfg := load.Config{Target: p.URL, Header: http.Header{"Authorization": {"Bearer " + b.token}}}
	var body bytes.Buffer
	if err := load.Send(ctx, checkClient, cfg, r, r.BodyWith(fmt.Sprint("check-", b.checks.Add(1))), &body); err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	var doc struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body.Bytes(), &doc); err != nil {
		return nil, fmt.Errorf("%s %s answered %s: %w", r.Method, r.Path, body.Bytes(), err)
	}
	if err := check(doc.Data); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", r.Method, r.Path, err, body.Bytes())
	}
	return doc.Data, nil
}

// checkClient sends the checks, each on a connection of its own, closed
// after, so that the goroutine count sees no connection of the driver's.
var checkClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// writeRequests writes a request file for the load generator.
func writeRequests(dir string, reqs []load.Request) (string, error) {
	f, err := os.CreateTemp(dir, "requests-*.jsonl")
	if err != nil {
		return "", err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			return "", err
		}
	}
	return f.Name(), f.Close()
}
