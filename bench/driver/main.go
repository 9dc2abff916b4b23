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
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/bench/command"
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

// machineName describes the machine for the report.
func machineName() string {
	arch, _ := exec.Command("uname", "-m").Output()
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	return describeMachine(string(arch), string(cpuinfo), runtime.NumCPU())
}
