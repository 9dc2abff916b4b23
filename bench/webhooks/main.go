// Command webhooks measures the delivery of webhooks (`make
// bench-webhooks`): it starts a throwaway PostgreSQL, builds the server as
// a release and starts it, in one process or several on the same database,
// registers an endpoint at a receiver of its own (an HTTP server that
// answers 204, counts the deliveries by webhook-id and verifies the
// signature of one in 100 with the Standard Webhooks library), writes
// contacts with bulkUpsertContacts, each a contact.created event, and
// measures deliveries/s from the first delivery to the last, duplicates
// and the latency from each event to its receipt. It prints the figures
// and writes bench/results/webhooks.json. See docs/performance.md.
//
//	go run ./bench/webhooks                      (make bench-webhooks)
//	go run ./bench/webhooks -processes 2 -events 5000
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/contacts-api/contacts/bench/command"
	"github.com/contacts-api/contacts/bench/serverproc"
	"github.com/contacts-api/contacts/db/localpg"
)

func main() { command.Main("bench-webhooks", run) }

// settings are make bench-webhooks' knobs: its flags (BENCH_ARGS).
type settings struct {
	events int
	// processes are the numbers of server processes to measure, one run
	// each, on a database of its own.
	processes []int
	// workers is WEBHOOK_WORKERS of each server; the server's default
	// when empty.
	workers    string
	resultsDir string
	// profile, when set, is where a CPU profile of the first server
	// during the deliveries is written.
	profile string
}

func readSettings() (settings, error) {
	s := settings{}
	var processes string
	flag.IntVar(&s.events, "events", 20_000, "how many events (contacts created) to deliver")
	flag.StringVar(&processes, "processes", "1,2", "comma-separated numbers of server processes, one run each")
	flag.StringVar(&s.workers, "workers", "", "WEBHOOK_WORKERS of each server (default the server's)")
	flag.StringVar(&s.resultsDir, "results", filepath.Join("bench", "results"), "where to write webhooks.json")
	flag.StringVar(&s.profile, "profile", "", "write a CPU profile of the first server during the deliveries to this file")
	flag.Parse()
	if s.events < batchSize || s.events%batchSize != 0 {
		return s, fmt.Errorf("-events must be a multiple of %d, not %d", batchSize, s.events)
	}
	for _, p := range strings.Split(processes, ",") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return s, fmt.Errorf("-processes must be positive numbers, comma-separated, not %q", processes)
		}
		s.processes = append(s.processes, n)
	}
	return s, nil
}

// result is one run's figures, as webhooks.json has them.
type result struct {
	Processes int    `json:"processes"`
	Workers   string `json:"workers_per_process"`
	Events    int    `json:"events"`
	// WriteSeconds is how long writing the events took.
	WriteSeconds float64 `json:"write_seconds"`
	// Delivered counts the events delivered; Duplicates the deliveries
	// beyond one per event.
	Delivered  int `json:"delivered"`
	Duplicates int `json:"duplicates"`
	// DeliveriesPerSecond counts the deliveries from the first to the
	// last.
	DeliveriesPerSecond float64 `json:"deliveries_per_s"`
	// AfterWritesPerSecond counts the deliveries after the last event was
	// written, when the writes no longer take the CPU.
	AfterWritesPerSecond float64 `json:"deliveries_per_s_after_writes"`
	// The latency from an event's time (its transaction's) to its
	// receipt.
	LatencyP50ms float64 `json:"latency_p50_ms"`
	LatencyP99ms float64 `json:"latency_p99_ms"`
	// SignaturesVerified counts the deliveries whose signature the
	// receiver checked; BadSignatures those that did not verify.
	SignaturesVerified int `json:"signatures_verified"`
	BadSignatures      int `json:"bad_signatures"`
	// Connections counts the connections the receiver accepted.
	Connections int `json:"connections"`
}

// report is webhooks.json.
type report struct {
	Machine string   `json:"machine"`
	Date    string   `json:"date"`
	Runs    []result `json:"runs"`
}

func run(ctx context.Context) error {
	s, err := readSettings()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "contacts-bench-webhooks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("building the server (-trimpath, no race detector)")
	if err := serverproc.Build(ctx, dir, "."); err != nil {
		return err
	}
	bin := filepath.Join(dir, "server")
	fmt.Println("starting PostgreSQL")
	cluster, err := localpg.StartThrowaway(ctx)
	if err != nil {
		return err
	}
	defer cluster.Stop()
	recv, err := startReceiver()
	if err != nil {
		return err
	}
	defer recv.server.Close()

	rep := report{Machine: machine(), Date: time.Now().UTC().Format(time.RFC3339)}
	for i, n := range s.processes {
		dbName := fmt.Sprintf("webhooks%d", i)
		if err := cluster.CreateDatabase(ctx, dbName, ""); err != nil {
			return err
		}
		r, err := measure(ctx, s, deployment{bin: bin, dir: dir, dbURL: cluster.URL(dbName), processes: n}, recv)
		if err != nil {
			return fmt.Errorf("%d processes: %w", n, err)
		}
		rep.Runs = append(rep.Runs, r)
	}
	fmt.Println()
	printRuns(rep.Runs)
	if err := os.MkdirAll(s.resultsDir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(s.resultsDir, "webhooks.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s\n", path)
	for _, r := range rep.Runs {
		if r.Delivered < r.Events || r.BadSignatures > 0 || (r.Processes == 1 && r.Duplicates > 0) {
			return errors.New("a run lost deliveries, delivered one twice in one process, or signed one wrong")
		}
	}
	return nil
}

func printRuns(runs []result) {
	fmt.Printf("%-9s %-7s %7s %8s %12s %12s %9s %9s %10s %11s %10s\n", "processes", "workers", "events", "write s",
		"deliveries/s", "after writes", "p50 ms", "p99 ms", "duplicates", "connections", "signatures")
	for _, r := range runs {
		fmt.Printf("%-9d %-7s %7d %8.1f %12.0f %12.0f %9.0f %9.0f %10d %11d %6d/%d ok\n",
			r.Processes, orDefault(r.Workers), r.Events, r.WriteSeconds, r.DeliveriesPerSecond, r.AfterWritesPerSecond, r.LatencyP50ms, r.LatencyP99ms,
			r.Duplicates, r.Connections, r.SignaturesVerified-r.BadSignatures, r.SignaturesVerified)
	}
}

// machine says how many CPUs the run had and how loaded they were.
func machine() string {
	loadavg, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("%d CPUs, load average %s at the start", runtime.NumCPU(), strings.Join(strings.Fields(string(loadavg) + " ? ? ?")[:3], " "))
}
