package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// Report is what bench/results/latest.json holds, so that runs can be
// compared.
type Report struct {
	Machine string `json:"machine"`
	// Data is how the benchmark's workspace was written: "seed" (`server
	// seed`) or "api" (one createContact per contact; BENCH_DATA).
	Data string `json:"data"`
	// Rounds is how many times each case ran each way of row-level
	// security.
	Rounds          int          `json:"rounds"`
	Cases           []CaseReport `json:"cases"`
	PeakRSSMB       float64      `json:"peak_rss_mb"`
	GoroutinesAfter int          `json:"goroutines_after"`
}

// CaseReport is one case's figures for the GraphQL server, under
// row-level security as it serves by default.
type CaseReport struct {
	Name string `json:"name"`
	ServerReport
	// BaselineRPS is the raw baseline's requests/s, the mean of its
	// rounds; OfRaw is the median over the rounds of the case's
	// requests/s over the baseline's in the same round, and OfRawSpread
	// its lowest and highest round. All null for cases without one.
	BaselineRPS *float64    `json:"baseline_rps"`
	OfRaw       *float64    `json:"of_raw"`
	OfRawSpread *[2]float64 `json:"of_raw_spread"`
	// Baseline is the raw baseline's figures, the mean of its rounds
	// like the server's: its latencies show what of the server's tail
	// the machine makes, with the same clients and statements and no
	// GraphQL. Null for cases without one.
	Baseline *ServerReport `json:"baseline"`
	// FloorRPS is the database's floor: the statements the case sends,
	// run by pgbench (see floor.go), in requests/s; FloorRPSSpread is its
	// lowest and highest round, OfFloor is RPS / FloorRPS, and
	// FloorStatementsPerRequest is what the floor runs of each request.
	// All null for the cases that write, or when pgbench is missing.
	FloorRPS                  *float64    `json:"floor_rps"`
	FloorRPSSpread            *[2]float64 `json:"floor_rps_spread"`
	OfFloor                   *float64    `json:"of_floor"`
	FloorStatementsPerRequest *float64    `json:"floor_statements_per_request"`
	// WithoutRowSecurity is the same case served with
	// ROW_LEVEL_SECURITY=off, in the same run.
	WithoutRowSecurity ServerReport `json:"without_row_security"`
	// RowSecurityCostPct is the share of requests/s that row-level
	// security takes, in percent: the median over the rounds of each
	// round's cost (its two runs back to back, see paired.go); negative
	// when it was faster. RowSecurityCostSpreadPct is its lowest and
	// highest round.
	RowSecurityCostPct       float64    `json:"row_security_cost_pct"`
	RowSecurityCostSpreadPct [2]float64 `json:"row_security_cost_spread_pct"`
	// WithoutEvents is a write case served with CHANGE_EVENTS=off, in the
	// same run; EventsCostPct is the time change events add to a request
	// (its requests/s without them over those with them, less one), in
	// percent, the median of the rounds' as for row-level security, and
	// EventsCostSpreadPct its lowest and highest round. All null for the
	// reads, which record no events.
	WithoutEvents       *ServerReport `json:"without_events"`
	EventsCostPct       *float64      `json:"events_cost_pct"`
	EventsCostSpreadPct *[2]float64   `json:"events_cost_spread_pct"`
}

// ServerReport is what one server did on one case: the mean of its
// rounds.
type ServerReport struct {
	RPS float64 `json:"rps"`
	// RPSSpread is the lowest and highest round's requests/s.
	RPSSpread            [2]float64 `json:"rps_spread"`
	P50Ms                float64    `json:"p50_ms"`
	P99Ms                float64    `json:"p99_ms"`
	StatementsPerRequest float64    `json:"statements_per_request"`
	ResponseBytes        int64      `json:"response_bytes"`
	CPUSecondsPer1k      float64    `json:"cpu_s_per_1k"`
}

// measurement is what one run of one case against one server measured.
type measurement struct {
	rps, p50Ms, p99Ms    float64
	statementsPerRequest float64
	responseBytes        int64
	cpuSecondsPer1k      float64
	// dbCPUSecondsPer1k is PostgreSQL's CPU time per 1,000 requests.
	dbCPUSecondsPer1k float64
	peakRSSMB         float64
	// times are what its statements took (see rounds.go).
	times []statementTime
}

// mean is the mean of the rounds' measurements; the peak RSS is their
// highest.
func mean(ms []measurement) measurement {
	if len(ms) == 0 {
		return measurement{}
	}
	var sum measurement
	for _, m := range ms {
		sum.rps += m.rps
		sum.p50Ms += m.p50Ms
		sum.p99Ms += m.p99Ms
		sum.statementsPerRequest += m.statementsPerRequest
		sum.responseBytes += m.responseBytes
		sum.cpuSecondsPer1k += m.cpuSecondsPer1k
		sum.dbCPUSecondsPer1k += m.dbCPUSecondsPer1k
		sum.peakRSSMB = max(sum.peakRSSMB, m.peakRSSMB)
	}
	n := float64(len(ms))
	return measurement{
		rps: sum.rps / n, p50Ms: sum.p50Ms / n, p99Ms: sum.p99Ms / n,
		statementsPerRequest: sum.statementsPerRequest / n, responseBytes: sum.responseBytes / int64(len(ms)),
		cpuSecondsPer1k: sum.cpuSecondsPer1k / n, dbCPUSecondsPer1k: sum.dbCPUSecondsPer1k / n, peakRSSMB: sum.peakRSSMB,
	}
}

// caseResult is what a case measured: each server's measurements, one a
// round, in the order of the rounds, so that the same index is the same
// round (see paired.go).
type caseResult struct {
	name string
	// graphql is the server under row-level security, withoutRLS the one
	// without it; withoutEvents is, for a write, the one without change
	// events and baseline, for a case that has one, the raw baseline
	// (nil otherwise).
	graphql, withoutRLS, withoutEvents, baseline []measurement
	// floorRounds are each round's requests/s of the floor; nil for a
	// case without one. floorStatements is what it runs per request.
	floorRounds     []float64
	floorStatements float64
	// profiles are the statements of each run, for rounds.txt.
	profiles []roundProfile
}

// rlsCost is what row-level security costs the case.
func (c caseResult) rlsCost() estimate { return pairedEstimate(c.graphql, c.withoutRLS, rlsCost) }

// eventsCost is what change events add to a write; ok is false for a
// read.
func (c caseResult) eventsCost() (e estimate, ok bool) {
	return pairedEstimate(c.graphql, c.withoutEvents, eventsCost), c.withoutEvents != nil
}

// ofRaw is the case's requests/s over its raw baseline's; ok is false
// for a case without a baseline.
func (c caseResult) ofRaw() (e estimate, ok bool) {
	return pairedEstimate(c.graphql, c.baseline, ofRaw), c.baseline != nil
}

// floorRPS is the mean of the floor's rounds; ok is false without a floor.
func (c caseResult) floorRPS() (rps float64, ok bool) {
	if len(c.floorRounds) == 0 {
		return 0, false
	}
	for _, r := range c.floorRounds {
		rps += r
	}
	return rps / float64(len(c.floorRounds)), true
}

// rpsRounds is each round's requests/s.
func rpsRounds(ms []measurement) []float64 {
	rps := make([]float64, len(ms))
	for i, m := range ms {
		rps[i] = m.rps
	}
	return rps
}

// serverReport is the mean of a server's rounds, with the lowest and
// highest round's requests/s.
func serverReport(rounds []measurement) ServerReport {
	m := mean(rounds)
	lo, hi := spread(rpsRounds(rounds))
	return ServerReport{
		RPS: round(m.rps, 1), RPSSpread: [2]float64{round(lo, 1), round(hi, 1)}, P50Ms: round(m.p50Ms, 2), P99Ms: round(m.p99Ms, 2),
		StatementsPerRequest: round(m.statementsPerRequest, 2), ResponseBytes: m.responseBytes,
		CPUSecondsPer1k: round(m.cpuSecondsPer1k, 3),
	}
}

// report makes the JSON report of a run.
func report(machine, data string, rounds int, results []caseResult, peakRSSMB float64, goroutinesAfter int) Report {
	r := Report{Machine: machine, Data: data, Rounds: rounds, Cases: []CaseReport{}, PeakRSSMB: round(peakRSSMB, 1), GoroutinesAfter: goroutinesAfter}
	for _, c := range results {
		cr := CaseReport{Name: c.name, ServerReport: serverReport(c.graphql), WithoutRowSecurity: serverReport(c.withoutRLS)}
		cr.RowSecurityCostPct, cr.RowSecurityCostSpreadPct = c.rlsCost().pct()
		if raw, ok := c.ofRaw(); ok {
			baseline := serverReport(c.baseline)
			of := round(raw.median, 3)
			cr.Baseline, cr.BaselineRPS, cr.OfRaw, cr.OfRawSpread = &baseline, &baseline.RPS, &of, &[2]float64{round(raw.lo, 3), round(raw.hi, 3)}
		}
		if cost, ok := c.eventsCost(); ok {
			without := serverReport(c.withoutEvents)
			pct, spread := cost.pct()
			cr.WithoutEvents, cr.EventsCostPct, cr.EventsCostSpreadPct = &without, &pct, &spread
		}
		if floor, ok := c.floorRPS(); ok {
			lo, hi := spread(c.floorRounds)
			rps, of, n := round(floor, 1), round(cr.RPS/floor, 3), round(c.floorStatements, 2)
			cr.FloorRPS, cr.FloorRPSSpread, cr.OfFloor, cr.FloorStatementsPerRequest = &rps, &[2]float64{round(lo, 1), round(hi, 1)}, &of, &n
		}
		r.Cases = append(r.Cases, cr)
	}
	return r
}

// spread returns the lowest and highest of vs (zeros when it is empty).
func spread(vs []float64) (lo, hi float64) {
	if len(vs) == 0 {
		return 0, 0
	}
	return slices.Min(vs), slices.Max(vs)
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// writeJSON writes the report to dir/latest.json.
func writeJSON(dir string, r Report) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "latest.json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// printTable prints every case under row-level security with its
// rounds' lowest and highest requests/s, its share of the raw baseline's
// and of the floor's requests/s, and what row-level security costs (the
// median of the rounds' paired costs, with the lowest and highest round),
// followed by the case without it, without events, its raw baseline and
// its floor.
func printTable(w io.Writer, results []caseResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\trequests/s\trounds\tp50 ms\tp99 ms\tSQL/request\tresponse bytes\tCPU s/1k req\tDB CPU s/1k req\tpeak RSS MB\tof raw (rounds)\tof floor\tRLS cost, median (rounds)\t")
	row := func(name string, rounds []measurement, ratio, ofFloor, cost string) {
		m := mean(rounds)
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%.2f\t%.2f\t%.2f\t%d\t%.3f\t%.3f\t%.1f\t%s\t%s\t%s\t\n",
			name, m.rps, roundsRange(rpsRounds(rounds)), m.p50Ms, m.p99Ms, m.statementsPerRequest, m.responseBytes, m.cpuSecondsPer1k, m.dbCPUSecondsPer1k, m.peakRSSMB, ratio, ofFloor, cost)
	}
	for _, c := range results {
		ratio, ofFloor := "", ""
		raw, hasRaw := c.ofRaw()
		if hasRaw {
			ratio = fmt.Sprintf("%.0f%% (%.0f-%.0f%%)", 100*raw.median, 100*raw.lo, 100*raw.hi)
		}
		floor, hasFloor := c.floorRPS()
		if hasFloor {
			ofFloor = fmt.Sprintf("%.2f", mean(c.graphql).rps/floor)
		}
		row(c.name, c.graphql, ratio, ofFloor, c.rlsCost().percent())
		row("  without RLS", c.withoutRLS, "", "", "")
		if cost, ok := c.eventsCost(); ok {
			row("  without events", c.withoutEvents, "", "", "events add "+cost.percent())
		}
		if hasRaw {
			row("  raw baseline", c.baseline, "", "", "")
		}
		if hasFloor {
			fmt.Fprintf(tw, "  floor (pgbench)\t%.1f\t%s\t\t\t%.2f\t\t\t\t\t\t\t\t\n", floor, roundsRange(c.floorRounds), c.floorStatements)
		}
	}
	tw.Flush()
}

// roundsRange prints the lowest and highest of the rounds' requests/s;
// nothing for a measurement of one run.
func roundsRange(rounds []float64) string {
	if len(rounds) == 0 {
		return ""
	}
	lo, hi := spread(rounds)
	return fmt.Sprintf("%.0f-%.0f", lo, hi)
}

// maxRLSCost is the most row-level security may take of a case's
// requests/s.
const maxRLSCost = 0.10

// maxEventsCost is the most time change events may add to a write.
const maxEventsCost = 0.15

// target is one of the performance targets.
type target struct {
	what string
	met  bool
	got  string
}

// targets checks the run against the targets of a 2-core machine with 32
// clients; figures from another machine or concurrency only hint. The
// targets that compare two servers take the median of the rounds (see
// paired.go), and print the lowest and highest round beside it.
func targets(results []caseResult, peakRSSMB float64, goroutinesBefore, goroutinesAfter int) []target {
	byName := make(map[string]caseResult, len(results))
	for _, c := range results {
		byName[c.name] = c
	}
	var ts []target
	ratioTarget := func(name string, floor float64) {
		raw, ok := byName[name].ofRaw()
		if !ok {
			return
		}
		ts = append(ts, target{fmt.Sprintf("%s at least %.0f%% of its raw baseline's requests/s", name, 100*floor), raw.median >= floor,
			fmt.Sprintf("%.0f%% (rounds %.0f to %.0f%%)", 100*raw.median, 100*raw.lo, 100*raw.hi)})
	}
	ratioTarget("contact_by_id", 0.70)
	ratioTarget("page_100", 0.60)
	floorTarget := func(name string, share float64) {
		c, ok := byName[name]
		floor, hasFloor := c.floorRPS()
		if !ok || !hasFloor {
			return
		}
		ratio := mean(c.graphql).rps / floor
		ts = append(ts, target{fmt.Sprintf("%s at least %.1f of its floor's requests/s", name, share), ratio >= share, fmt.Sprintf("%.2f", ratio)})
	}
	floorTarget("contact_by_id", 0.5)
	floorTarget("page_100", 0.5)
	for _, c := range results {
		m := mean(c.graphql)
		got := fmt.Sprintf("%.1fx", m.p99Ms/m.p50Ms)
		if c.baseline != nil {
			raw := mean(c.baseline)
			got += fmt.Sprintf(" (raw baseline %.1fx)", raw.p99Ms/raw.p50Ms)
		}
		ts = append(ts, target{c.name + " p99 under 4x p50", m.p99Ms < 4*m.p50Ms, got})
	}
	for _, c := range results {
		cost := c.rlsCost()
		ts = append(ts, target{c.name + " row-level security costs under 10% of requests/s", cost.median < maxRLSCost, cost.percent()})
	}
	for _, c := range results {
		if cost, ok := c.eventsCost(); ok {
			ts = append(ts, target{c.name + ": change events add at most 15%", cost.median <= maxEventsCost, cost.percent()})
		}
	}
	if p100, ok := byName["page_100"]; ok {
		if p999, ok := byName["page_999"]; ok {
			a, b := mean(p100.graphql).statementsPerRequest, mean(p999.graphql).statementsPerRequest
			ts = append(ts, target{"SQL statements per request equal for page_100 and page_999", round(a, 2) == round(b, 2), fmt.Sprintf("%.2f and %.2f", a, b)})
		}
	}
	ts = append(ts,
		target{"peak RSS under 150 MB", peakRSSMB < 150, fmt.Sprintf("%.1f MB", peakRSSMB)},
		target{"no goroutine growth", goroutinesAfter <= goroutinesBefore, fmt.Sprintf("%d before, %d after", goroutinesBefore, goroutinesAfter)},
	)
	return ts
}

func printTargets(w io.Writer, ts []target) {
	fmt.Fprintln(w, "Targets:")
	for _, t := range ts {
		mark := "met   "
		if !t.met {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, t.what, t.got)
	}
}

// describeMachine names the machine as `uname -m`, the CPU model from
// /proc/cpuinfo and the core count.
func describeMachine(arch string, cpuinfo string, cores int) string {
	model := "unknown CPU"
	for line := range strings.Lines(cpuinfo) {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			model = strings.TrimSpace(value)
			break
		}
	}
	return fmt.Sprintf("%s, %s, %d cores", strings.TrimSpace(arch), model, cores)
}
