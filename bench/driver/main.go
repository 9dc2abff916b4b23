// Command driver runs the benchmark (`make bench`) and the profile
// (`make profile`). It starts a throwaway PostgreSQL, seeds it with
// `server seed`, builds and starts the server as a release would be built,
// drives each case with the load generator in a process of its own, runs
// the raw baseline and the database's floor (the statements the server
// sent, in pgbench) for the read cases, and prints and writes the figures
// (bench/results/latest.json, bench/results/rounds.txt). See
// docs/performance.md.
//
//	BENCH_DURATION     how long each measured run lasts: one server, one
//	                   round (default 4s; the profile's, 20s)
//	BENCH_CONCURRENCY  how many clients send requests at once (default 32)
//	BENCH_CASES        the cases to run, comma-separated (default all; the
//	                   profile runs the first, page_100 by default)
//	BENCH_ROUNDS       how many rounds each case runs: each server once a
//	                   round, in an order that turns every round, and the
//	                   floor (default 8)
//	BENCH_DATA         where the benchmark's workspace gets its data: seed
//	                   (default: `server seed`, 100,000 contacts) or api
//	                   (10,000 contacts, one createContact each)
//	ROW_LEVEL_SECURITY off profiles the server without it (make profile)
//
// Every case runs against two servers on the same data: one as served by
// default, under row-level security, and one with ROW_LEVEL_SECURITY=off
// (and, for the writes, one with CHANGE_EVENTS=off; for three reads, the
// raw baseline), in many short rounds, each server once a round, so that
// what row-level security costs is measured in the same run, round by
// round under the same load of the machine (paired.go).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/bench/command"
	"github.com/contacts-api/contacts/bench/load"
	"github.com/contacts-api/contacts/bench/serverproc"
	"github.com/contacts-api/contacts/db/localpg"
)

func main() { command.Main("bench", run) }

// settings are make bench's knobs: the BENCH_ variables and the flags.
type settings struct {
	// duration is how long each measured run lasts.
	duration    time.Duration
	concurrency int
	resultsDir  string
	profile     bool
	// rounds is how many rounds each case runs: each server once a round.
	rounds int
	// cases are the names of the cases to run; none means all of them.
	cases []string
	// data is dataSeed or dataAPI: how the benchmark's workspace is
	// written.
	data string
}

func readSettings() (settings, error) {
	s := settings{duration: defaultDuration, concurrency: 32, rounds: defaultRounds, data: dataSeed}
	flag.StringVar(&s.resultsDir, "results", filepath.Join("bench", "results"), "where to write latest.json and profiles")
	flag.BoolVar(&s.profile, "profile", false, "write CPU and allocation profiles of the server under page_100's load instead of running every case")
	flag.Parse()
	if s.profile {
		s.duration = profileDuration
	}
	if v := os.Getenv("BENCH_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return s, fmt.Errorf("BENCH_DURATION must be a duration of at least 1s, such as 20s, not %q", v)
		}
		s.duration = d
	}
	if v := os.Getenv("BENCH_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, fmt.Errorf("BENCH_CONCURRENCY must be a positive number, not %q", v)
		}
		s.concurrency = n
	}
	if v := os.Getenv("BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, fmt.Errorf("BENCH_ROUNDS must be a positive number, not %q", v)
		}
		s.rounds = n
	}
	if v := os.Getenv("BENCH_DATA"); v != "" {
		if v != dataSeed && v != dataAPI {
			return s, fmt.Errorf("BENCH_DATA must be %s or %s, not %q", dataSeed, dataAPI, v)
		}
		s.data = v
	}
	if v := os.Getenv("BENCH_CASES"); v != "" {
		s.cases = strings.Split(v, ",")
	}
	if s.profile && s.cases == nil {
		s.cases = []string{profiledCase}
	}
	return s, nil
}

// A case runs in defaultRounds rounds of defaultDuration a server: eight
// pairs of runs back to back give the median of the paired costs (see
// paired.go) room to leave a disturbed round out, in about the time that
// two rounds of 20 s took (about 16 minutes for the whole benchmark). A
// profile is one run, long enough for the profiles to sample.
const (
	defaultRounds   = 8
	defaultDuration = 4 * time.Second
	profileDuration = 20 * time.Second
)

// The data of issue 8: the benchmark's workspace among two others. Fixed
// ids make every run seed the same names, tags and accounts.
var (
	benchWorkspace  = workspacePlan{id: uuid.MustParse("b3b0c0de-0000-4000-8000-000000000001"), contacts: 100_000, accounts: 10_000}
	otherWorkspaces = []workspacePlan{
		{id: uuid.MustParse("b3b0c0de-0000-4000-8000-000000000002"), contacts: 10_000, accounts: 1_000},
		{id: uuid.MustParse("b3b0c0de-0000-4000-8000-000000000003"), contacts: 10_000, accounts: 1_000},
	}
)

// bench is a benchmark run in progress.
type bench struct {
	settings
	dir    string // binaries, request files and logs
	pins   pinning
	db     *database
	token  string
	server *serverproc.Process // the API server under test, under row-level security unless profiled without
	// withoutRLS is the API server with ROW_LEVEL_SECURITY=off, which
	// measures what row-level security costs.
	withoutRLS *serverproc.Process
	// withoutEvents is the API server with CHANGE_EVENTS=off, which
	// measures what change events cost the writes.
	withoutEvents *serverproc.Process
	baseline      *serverproc.Process // the raw baseline
	pprofURL      string              // the API server's profiles
	// pgbenchPath runs the read cases' floors; empty when pgbench is
	// missing, and the floors are not measured.
	pgbenchPath string
	// checks counts the checked requests, whose Unique marker each gets
	// a key of its own: a case is checked on both servers, every round.
	checks atomic.Int64
}

func run(ctx context.Context) error {
	s, err := readSettings()
	if err != nil {
		return err
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return errors.New("the benchmark reads /proc for CPU time and memory: it runs on Linux only")
	}
	b := &bench{settings: s}
	defer b.close()
	if b.pgbenchPath, err = pgbenchPath(); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %v; the floors of the read cases will not be measured\n", err)
	}
	machine := machineName()
	var pinNote string
	b.pins, pinNote = choosePinning(runtime.NumCPU())
	loadavg, _ := os.ReadFile("/proc/loadavg")
	plan := fmt.Sprintf("%d rounds of %s a server per case", s.rounds, s.duration)
	if s.profile {
		plan = fmt.Sprintf("a profile of %s", s.duration)
	}
	fmt.Printf("machine: %s (load average %s)\npinning: %s\n%s at %d concurrent clients, on %s data\n\n",
		machine, strings.Join(strings.Fields(string(loadavg))[:3], " "), pinNote, plan, s.concurrency, s.data)

	if err := b.prepare(ctx); err != nil {
		return err
	}
	if err := b.startServers(ctx); err != nil {
		return err
	}
	if s.data == dataAPI {
		if err := b.writeThroughAPI(ctx, b.server, apiWorkspace); err != nil {
			return err
		}
	}
	records, err := b.db.sampleRecords(ctx, benchWorkspace.id)
	if err != nil {
		return err
	}
	chosen, err := selectCases(cases(records), s.cases)
	if err != nil {
		return err
	}
	if s.profile {
		return b.profile(ctx, chosen[0])
	}
	return b.runCases(ctx, chosen, machine)
}

// profiledCase is the case `make profile` runs unless BENCH_CASES names
// another.
const profiledCase = "page_100"

// selectCases returns the cases called names, in the benchmark's order;
// all of them when names is empty.
func selectCases(all []benchCase, names []string) ([]benchCase, error) {
	if len(names) == 0 {
		return all, nil
	}
	known := make([]string, len(all))
	for i, c := range all {
		known[i] = c.name
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("BENCH_CASES names %q; the cases are %s", n, strings.Join(known, ", "))
		}
	}
	return slices.DeleteFunc(all, func(c benchCase) bool { return !slices.Contains(names, c.name) }), nil
}

// prepare builds the binaries, starts the database and seeds it: every
// workspace, or under BENCH_DATA=api all but the benchmark's, which the
// API writes once the servers run.
func (b *bench) prepare(ctx context.Context) error {
	var err error
	if b.dir, err = os.MkdirTemp("", "contacts-bench-"); err != nil {
		return err
	}
	fmt.Println("building the server, the raw baseline and the load generator (-trimpath, no race detector)")
	if err := serverproc.Build(ctx, b.dir, ".", "./bench/baseline", "./bench/loadgen"); err != nil {
		return err
	}
	fmt.Println("starting PostgreSQL and seeding")
	if b.db, err = startDatabase(ctx); err != nil {
		return err
	}
	seeded := otherWorkspaces
	if b.data == dataSeed {
		seeded = slices.Concat([]workspacePlan{benchWorkspace}, otherWorkspaces)
	}
	return b.db.seed(ctx, filepath.Join(b.dir, "server"), seeded)
}

// startServers starts the API server, with its profiles on a listener of
// their own, and the raw baseline, and mints the token both accept.
func (b *bench) startServers(ctx context.Context) error {
	secret := make([]byte, 32)
	rand.Read(secret)
	jwtSecret := hex.EncodeToString(secret)
	var err error
	if b.token, err = auth.Mint([]byte(jwtSecret), auth.TokenRequest{
		WorkspaceID: benchWorkspace.id, Scope: auth.ScopeRead + " " + auth.ScopeWrite, Subject: "bench", TTL: 24 * time.Hour,
	}); err != nil {
		return err
	}
	pprofPort, err := localpg.FreePort()
	if err != nil {
		return err
	}
	pprofAddr := "127.0.0.1:" + strconv.Itoa(pprofPort)
	b.pprofURL = "http://" + pprofAddr
	env := []string{"DATABASE_URL=" + b.db.url(), "JWT_SECRET=" + jwtSecret}
	// The benchmark's one workspace sends far more than a workspace may
	// per minute, and page_999 costs about 274,000, over the default
	// complexity limit of 100,000 that keeps clients to pages of 100 or so.
	// The servers send no webhooks (the benchmark registers no endpoint):
	// the delivery relay's polling would land among the statements the
	// floor captures, on tables the API's role may not read.
	serverEnv := append(env, "RATE_LIMIT=off", "MAX_QUERY_COMPLEXITY=1000000", "WEBHOOK_WORKERS=0")
	profiledEnv := append(slices.Clip(serverEnv), "PPROF_ADDR="+pprofAddr)
	if rls, ok := os.LookupEnv("ROW_LEVEL_SECURITY"); ok && b.settings.profile {
		profiledEnv = append(profiledEnv, "ROW_LEVEL_SECURITY="+rls)
	}
	// Both servers take the same CPU: one of them at a time serves.
	if b.server, err = startServer(ctx, "server", b.dir, b.pins.server, profiledEnv, []string{"serve"}, "/readyz"); err != nil {
		return err
	}
	if b.settings.profile {
		return nil
	}
	// The executable is the same; the name tells the logs apart.
	if err := os.Link(filepath.Join(b.dir, "server"), filepath.Join(b.dir, "server-without-rls")); err != nil {
		return err
	}
	offEnv := append(slices.Clip(serverEnv), "ROW_LEVEL_SECURITY=off")
	if b.withoutRLS, err = startServer(ctx, "server-without-rls", b.dir, b.pins.server, offEnv, []string{"serve"}, "/readyz"); err != nil {
		return err
	}
	if err := os.Link(filepath.Join(b.dir, "server"), filepath.Join(b.dir, "server-without-events")); err != nil {
		return err
	}
	quietEnv := append(slices.Clip(serverEnv), "CHANGE_EVENTS=off")
	if b.withoutEvents, err = startServer(ctx, "server-without-events", b.dir, b.pins.server, quietEnv, []string{"serve"}, "/readyz"); err != nil {
		return err
	}
	b.baseline, err = startServer(ctx, "baseline", b.dir, b.pins.server, env, nil, "/healthz")
	return err
}

// close stops what the run started, the servers before the database.
func (b *bench) close() {
	for _, p := range []*serverproc.Process{b.baseline, b.withoutEvents, b.withoutRLS, b.server} {
		if p != nil {
			p.Stop()
		}
	}
	if b.db != nil {
		b.db.stop()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// runCases measures every case, prints the table and writes the report.
func (b *bench) runCases(ctx context.Context, all []benchCase, machine string) error {
	fmt.Println()
	var results []caseResult
	goroutinesBefore := -1
	for _, c := range all {
		fmt.Printf("%s: GraphQL", c.name)
		if n := b.clients(c); n != b.concurrency {
			fmt.Printf(" (%d clients)", n)
		}
		r := caseResult{name: c.name}
		var fl *floor
		if c.read && b.pgbenchPath != "" {
			var err error
			if fl, err = b.captureFloor(ctx, c); err != nil {
				return fmt.Errorf("%s floor: %w", c.name, err)
			}
			r.floorStatements = fl.statements
		}
		if c.baseline != nil {
			if err := b.sameAnswers(ctx, c); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
		}
		err := b.measureRounds(ctx, c, fl, &r, func() (err error) {
			// Counted after the first warm-up, so that what the server
			// starts on first use is not taken for growth.
			if goroutinesBefore < 0 {
				goroutinesBefore, err = settledGoroutines(ctx, b.pprofURL)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Println()
		results = append(results, r)
	}
	goroutinesAfter, err := settledGoroutines(ctx, b.pprofURL)
	if err != nil {
		return err
	}
	peakRSS, err := b.server.MemoryMB("VmHWM")
	if err != nil {
		return err
	}
	fmt.Println()
	printTable(os.Stdout, results)
	fmt.Printf("\nserver peak RSS %.1f MB; goroutines %d before the cases, %d after\n\n", peakRSS, goroutinesBefore, goroutinesAfter)
	ts := targets(results, peakRSS, goroutinesBefore, goroutinesAfter)
	printTargets(os.Stdout, ts)
	path, err := writeJSON(b.resultsDir, report(machine, b.data, b.rounds, results, peakRSS, goroutinesAfter))
	if err != nil {
		return err
	}
	rounds, err := writeRounds(b.resultsDir, results)
	if err != nil {
		return err
	}
	fmt.Printf("\nwrote %s and %s\n", path, rounds)
	if goroutinesAfter > goroutinesBefore {
		dump := filepath.Join(b.resultsDir, "goroutines.txt")
		if err := b.download(ctx, "/debug/pprof/goroutine?debug=1", dump); err != nil {
			return err
		}
		return fmt.Errorf("the server has %d goroutines more after the run than before it: a leak (see %s)", goroutinesAfter-goroutinesBefore, dump)
	}
	return nil
}

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

// machineName describes the machine for the report.
func machineName() string {
	arch, _ := exec.Command("uname", "-m").Output()
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	return describeMachine(string(arch), string(cpuinfo), runtime.NumCPU())
}
