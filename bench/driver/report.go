package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// Report is what bench/results/latest.json holds, so that runs can be
// compared.
type Report struct {
	Machine         string       `json:"machine"`
	Cases           []CaseReport `json:"cases"`
	PeakRSSMB       float64      `json:"peak_rss_mb"`
	GoroutinesAfter int          `json:"goroutines_after"`
}

// CaseReport is one case's figures for the GraphQL server.
type CaseReport struct {
	Name                 string  `json:"name"`
	RPS                  float64 `json:"rps"`
	P50Ms                float64 `json:"p50_ms"`
	P99Ms                float64 `json:"p99_ms"`
	StatementsPerRequest float64 `json:"statements_per_request"`
	ResponseBytes        int64   `json:"response_bytes"`
	CPUSecondsPer1k      float64 `json:"cpu_s_per_1k"`
	// BaselineRPS is the raw baseline's requests/s; null for cases without one.
	BaselineRPS *float64 `json:"baseline_rps"`
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

// caseResult is a case's measurement and its baseline's, if it has one.
type caseResult struct {
	name     string
	graphql  measurement
	baseline *measurement
}

// report makes the JSON report of a run.
func report(machine string, results []caseResult, peakRSSMB float64, goroutinesAfter int) Report {
	r := Report{Machine: machine, Cases: []CaseReport{}, PeakRSSMB: round(peakRSSMB, 1), GoroutinesAfter: goroutinesAfter}
	for _, c := range results {
		m := c.graphql
		cr := CaseReport{
			Name: c.name, RPS: round(m.rps, 1), P50Ms: round(m.p50Ms, 2), P99Ms: round(m.p99Ms, 2),
			StatementsPerRequest: round(m.statementsPerRequest, 2), ResponseBytes: m.responseBytes,
			CPUSecondsPer1k: round(m.cpuSecondsPer1k, 3),
		}
		if c.baseline != nil {
			rps := round(c.baseline.rps, 1)
			cr.BaselineRPS = &rps
		}
		r.Cases = append(r.Cases, cr)
	}
	return r
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

// printTable prints every case, each followed by its raw baseline.
func printTable(w io.Writer, results []caseResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\trequests/s\tp50 ms\tp99 ms\tSQL/request\tresponse bytes\tCPU s/1k req\tDB CPU s/1k req\tpeak RSS MB\tof raw\t")
	row := func(name string, m measurement, ratio string) {
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t%.3f\t%.3f\t%.1f\t%s\t\n",
			name, m.rps, m.p50Ms, m.p99Ms, m.statementsPerRequest, m.responseBytes, m.cpuSecondsPer1k, m.dbCPUSecondsPer1k, m.peakRSSMB, ratio)
	}
	for _, c := range results {
		ratio := ""
		if c.baseline != nil {
			ratio = fmt.Sprintf("%.0f%%", 100*c.graphql.rps/c.baseline.rps)
		}
		row(c.name, c.graphql, ratio)
		if c.baseline != nil {
			row("  raw baseline", *c.baseline, "")
		}
	}
	tw.Flush()
}

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
