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
	// BaselineRPS is the raw baseline's requests/s; null for cases without one.
	BaselineRPS *float64 `json:"baseline_rps"`
	// WithoutRowSecurity is the same case served with
	// ROW_LEVEL_SECURITY=off, in the same run.
	WithoutRowSecurity ServerReport `json:"without_row_security"`
	// RowSecurityCostPct is the share of requests/s that row-level
	// security takes, in percent, over all rounds; negative when it was
	// faster. RowSecurityCostSpreadPct is its lowest and highest round.
	RowSecurityCostPct       float64    `json:"row_security_cost_pct"`
	RowSecurityCostSpreadPct [2]float64 `json:"row_security_cost_spread_pct"`
}

// ServerReport is what one server did on one case: the mean of the
// rounds.
type ServerReport struct {
	RPS                  float64 `json:"rps"`
	P50Ms                float64 `json:"p50_ms"`
	P99Ms                float64 `json:"p99_ms"`
	StatementsPerRequest float64 `json:"statements_per_request"`
	ResponseBytes        int64   `json:"response_bytes"`
	CPUSecondsPer1k      float64 `json:"cpu_s_per_1k"`
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
}

// mean is the mean of the rounds' measurements; the peak RSS is their
// highest.
func mean(ms []measurement) measurement {
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

// rlsCost is the share of requests/s that row-level security takes: on
// with it, off without.
func rlsCost(on, off measurement) float64 { return 1 - on.rps/off.rps }

// caseResult is a case's measurement, under row-level security and
// without it, and its baseline's, if it has one.
type caseResult struct {
	name       string
	graphql    measurement
	withoutRLS measurement
	// rlsCosts is the cost of row-level security in each round.
	rlsCosts []float64
	baseline *measurement
}

func serverReport(m measurement) ServerReport {
	return ServerReport{
		RPS: round(m.rps, 1), P50Ms: round(m.p50Ms, 2), P99Ms: round(m.p99Ms, 2),
		StatementsPerRequest: round(m.statementsPerRequest, 2), ResponseBytes: m.responseBytes,
		CPUSecondsPer1k: round(m.cpuSecondsPer1k, 3),
	}
}

// report makes the JSON report of a run.
func report(machine string, rounds int, results []caseResult, peakRSSMB float64, goroutinesAfter int) Report {
	r := Report{Machine: machine, Rounds: rounds, Cases: []CaseReport{}, PeakRSSMB: round(peakRSSMB, 1), GoroutinesAfter: goroutinesAfter}
	for _, c := range results {
		lo, hi := spread(c.rlsCosts)
		cr := CaseReport{
			Name: c.name, ServerReport: serverReport(c.graphql), WithoutRowSecurity: serverReport(c.withoutRLS),
			RowSecurityCostPct:       round(100*rlsCost(c.graphql, c.withoutRLS), 1),
			RowSecurityCostSpreadPct: [2]float64{round(100*lo, 1), round(100*hi, 1)},
		}
		if c.baseline != nil {
			rps := round(c.baseline.rps, 1)
			cr.BaselineRPS = &rps
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

// printTable prints every case under row-level security with what it
// costs (over all rounds, and the lowest and highest round), followed by
// the case without it and its raw baseline.
func printTable(w io.Writer, results []caseResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\trequests/s\tp50 ms\tp99 ms\tSQL/request\tresponse bytes\tCPU s/1k req\tDB CPU s/1k req\tpeak RSS MB\tof raw\tRLS cost (rounds)\t")
	row := func(name string, m measurement, ratio, cost string) {
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t%.3f\t%.3f\t%.1f\t%s\t%s\t\n",
			name, m.rps, m.p50Ms, m.p99Ms, m.statementsPerRequest, m.responseBytes, m.cpuSecondsPer1k, m.dbCPUSecondsPer1k, m.peakRSSMB, ratio, cost)
	}
	for _, c := range results {
		ratio := ""
		if c.baseline != nil {
			ratio = fmt.Sprintf("%.0f%%", 100*c.graphql.rps/c.baseline.rps)
		}
		lo, hi := spread(c.rlsCosts)
		row(c.name, c.graphql, ratio, fmt.Sprintf("%.1f%% (%.1f to %.1f%%)", 100*rlsCost(c.graphql, c.withoutRLS), 100*lo, 100*hi))
		row("  without RLS", c.withoutRLS, "", "")
		if c.baseline != nil {
			row("  raw baseline", *c.baseline, "", "")
		}
	}
	tw.Flush()
}

// maxRLSCost is the most row-level security may take of a case's
// requests/s.
const maxRLSCost = 0.10

// target is one of the performance targets.
type target struct {
	what string
	met  bool
	got  string
}

// targets checks the run against the targets of a 2-core machine with 32
// clients; figures from another machine or concurrency only hint.
func targets(results []caseResult, peakRSSMB float64, goroutinesBefore, goroutinesAfter int) []target {
	byName := make(map[string]caseResult, len(results))
	for _, c := range results {
		byName[c.name] = c
	}
	var ts []target
	ratioTarget := func(name string, floor float64) {
		c, ok := byName[name]
		if !ok || c.baseline == nil {
			return
		}
		ratio := c.graphql.rps / c.baseline.rps
		ts = append(ts, target{fmt.Sprintf("%s at least %.0f%% of its raw baseline's requests/s", name, 100*floor), ratio >= floor, fmt.Sprintf("%.0f%%", 100*ratio)})
	}
	ratioTarget("contact_by_id", 0.70)
	ratioTarget("page_100", 0.60)
	for _, c := range results {
		m := c.graphql
		ts = append(ts, target{c.name + " p99 under 4x p50", m.p99Ms < 4*m.p50Ms, fmt.Sprintf("%.1fx", m.p99Ms/m.p50Ms)})
	}
	for _, c := range results {
		cost := rlsCost(c.graphql, c.withoutRLS)
		ts = append(ts, target{c.name + " row-level security costs under 10% of requests/s", cost < maxRLSCost, fmt.Sprintf("%.1f%%", 100*cost)})
	}
	if p100, ok := byName["page_100"]; ok {
		if p999, ok := byName["page_999"]; ok {
			a, b := p100.graphql.statementsPerRequest, p999.graphql.statementsPerRequest
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
