package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLatestJSONHasTheAgreedShape(t *testing.T) {
	read := measurement{p50Ms: 1.234, p99Ms: 4.5, statementsPerRequest: 1, responseBytes: 400, cpuSecondsPer1k: 0.3333}
	round1, round2 := read, read
	round1.rps, round2.rps = 1200, 1269.12
	write := measurement{rps: 300, p50Ms: 10, p99Ms: 30, statementsPerRequest: 9, responseBytes: 300, cpuSecondsPer1k: 1.5}
	results := []caseResult{
		// Row-level security costs 7.7% and 2.4% in the two rounds; the
		// raw baseline's ratio is 0.6 and 0.635.
		{name: "contact_by_id", graphql: []measurement{round1, round2}, withoutRLS: []measurement{{rps: 1300}, {rps: 1300}},
			baseline: []measurement{{rps: 2000, p50Ms: 1, p99Ms: 3}, {rps: 2000, p50Ms: 1, p99Ms: 5}}, floorRounds: []float64{2000, 3000}, floorStatements: 2},
		// -1% and -5%; events add 8% and 12%.
		{name: "create_contact", graphql: []measurement{write, write}, withoutRLS: []measurement{{rps: 300 / 1.01}, {rps: 300 / 1.05}},
			withoutEvents: []measurement{{rps: 324}, {rps: 336}}},
	}
	path, err := writeJSON(t.TempDir(), report("x86_64, Some CPU, 2 cores", dataAPI, 2, results, 87.65, 9))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "latest.json" {
		t.Errorf("wrote %s, want latest.json", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := keys(doc), []string{"cases", "data", "goroutines_after", "machine", "peak_rss_mb", "rounds"}; !slices.Equal(got, want) {
		t.Errorf("top-level keys = %v, want %v", got, want)
	}
	cases := doc["cases"].([]any)
	wantCaseKeys := []string{"baseline", "baseline_rps", "cpu_s_per_1k", "events_cost_pct", "events_cost_spread_pct", "floor_rps", "floor_rps_spread", "floor_statements_per_request", "name", "of_floor",
		"of_raw", "of_raw_spread", "p50_ms", "p99_ms", "response_bytes", "row_security_cost_pct", "row_security_cost_spread_pct", "rps", "rps_spread",
		"statements_per_request", "without_events", "without_row_security"}
	for _, c := range cases {
		if got := keys(c.(map[string]any)); !slices.Equal(got, wantCaseKeys) {
			t.Errorf("case keys = %v, want %v", got, wantCaseKeys)
		}
	}
	first, second := cases[0].(map[string]any), cases[1].(map[string]any)
	if first["baseline_rps"] != 2000.0 || second["baseline_rps"] != nil || second["of_raw"] != nil {
		t.Errorf("baseline_rps = %v and %v, want 2000 and null for a case without a baseline", first["baseline_rps"], second["baseline_rps"])
	}
	if raw := first["baseline"].(map[string]any); raw["p50_ms"] != 1.0 || raw["p99_ms"] != 4.0 || second["baseline"] != nil {
		t.Errorf("baseline = %v and %v, want p50 1 and p99 4 ms (the rounds' mean), and null for a case without a baseline", raw, second["baseline"])
	}
	if got, spread := first["of_raw"], first["of_raw_spread"].([]any); got != 0.617 || spread[0] != 0.6 || spread[1] != 0.635 {
		t.Errorf("of_raw = %v, spread %v; want 0.617, the median of the rounds' 0.6 and 0.635", got, spread)
	}
	if first["rps"] != 1234.6 || first["p50_ms"] != 1.23 || first["name"] != "contact_by_id" {
		t.Errorf("first case = %v, want rps 1234.6, p50_ms 1.23 (rounded), name contact_by_id", first)
	}
	if first["events_cost_pct"] != nil || first["without_events"] != nil {
		t.Errorf("a read's events_cost_pct = %v, without_events = %v; want null", first["events_cost_pct"], first["without_events"])
	}
	if got := second["events_cost_pct"]; got != 10.0 {
		t.Errorf("events_cost_pct = %v, want 10 (330 requests/s without events against 300 with them)", got)
	}
	if got := first["row_security_cost_pct"]; got != 5.0 {
		t.Errorf("row_security_cost_pct = %v, want 5 (the median of the rounds' 7.7%% and 2.4%%)", got)
	}
	if got := second["row_security_cost_spread_pct"].([]any); got[0] != -5.0 || got[1] != -1.0 {
		t.Errorf("row_security_cost_spread_pct = %v, want [-5 -1]: the lowest and highest round", got)
	}
	if first["floor_rps"] != 2500.0 || first["of_floor"] != 0.494 || second["floor_rps"] != nil || second["of_floor"] != nil {
		t.Errorf("floor_rps, of_floor = %v, %v and %v, %v; want 2500, 0.494 and null for a case without a floor",
			first["floor_rps"], first["of_floor"], second["floor_rps"], second["of_floor"])
	}
	if got := first["rps_spread"].([]any); got[0] != 1200.0 || got[1] != 1269.1 {
		t.Errorf("rps_spread = %v, want [1200 1269.1]: the lowest and highest round", got)
	}
	if got := first["without_row_security"].(map[string]any)["rps"]; got != 1300.0 {
		t.Errorf("without_row_security.rps = %v, want 1300", got)
	}
	if doc["peak_rss_mb"] != 87.7 || doc["data"] != "api" || doc["goroutines_after"] != 9.0 || !strings.Contains(doc["machine"].(string), "2 cores") {
		t.Errorf("report = %v", doc)
	}
}

func TestTargets(t *testing.T) {
	results := []caseResult{
		{name: "contact_by_id", graphql: []measurement{{rps: 700, p50Ms: 1, p99Ms: 3}}, withoutRLS: []measurement{{rps: 740}},
			baseline: []measurement{{rps: 1000}}},
		{name: "page_100", graphql: []measurement{{rps: 500, p50Ms: 1, p99Ms: 5, statementsPerRequest: 6}}, withoutRLS: []measurement{{rps: 560}},
			baseline: []measurement{{rps: 1000}}, floorRounds: []float64{900, 1100}},
		{name: "page_999", graphql: []measurement{{rps: 50, p50Ms: 10, p99Ms: 20, statementsPerRequest: 6.03}}, withoutRLS: []measurement{{rps: 45}}},
	}
	got := map[string]bool{}
	for _, tg := range targets(results, 151, 10, 10) {
		got[tg.what] = tg.met
	}
	want := map[string]bool{
		"contact_by_id at least 70% of its raw baseline's requests/s":    true,
		"page_100 at least 60% of its raw baseline's requests/s":         false,
		"page_100 at least 0.5 of its floor's requests/s":                true,
		"contact_by_id p99 under 4x p50":                                 true,
		"page_100 p99 under 4x p50":                                      false,
		"page_999 p99 under 4x p50":                                      true,
		"contact_by_id row-level security costs under 10% of requests/s": true,
		"page_100 row-level security costs under 10% of requests/s":      false,
		"page_999 row-level security costs under 10% of requests/s":      true,
		"SQL statements per request equal for page_100 and page_999":     false,
		"peak RSS under 150 MB":                                          false,
		"no goroutine growth":                                            true,
	}
	for what, met := range want {
		if m, ok := got[what]; !ok || m != met {
			t.Errorf("target %q: met = %v (present %v), want %v", what, m, ok, met)
		}
	}
}

func TestDescribeMachine(t *testing.T) {
	cpuinfo := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got, want := describeMachine("x86_64\n", cpuinfo, 2), "x86_64, AMD EPYC 7B13, 2 cores"; got != want {
		t.Errorf("describeMachine = %q, want %q", got, want)
	}
}

func keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
