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
	results := []caseResult{
		{name: "contact_by_id", graphql: measurement{rps: 1234.56, p50Ms: 1.234, p99Ms: 4.5, statementsPerRequest: 1, responseBytes: 400, cpuSecondsPer1k: 0.3333}, baseline: &measurement{rps: 2000}},
		{name: "create_contact", graphql: measurement{rps: 300, p50Ms: 10, p99Ms: 30, statementsPerRequest: 9, responseBytes: 300, cpuSecondsPer1k: 1.5}},
	}
	path, err := writeJSON(t.TempDir(), report("x86_64, Some CPU, 2 cores", results, 87.65, 9))
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
	if got, want := keys(doc), []string{"cases", "goroutines_after", "machine", "peak_rss_mb"}; !slices.Equal(got, want) {
		t.Errorf("top-level keys = %v, want %v", got, want)
	}
	cases := doc["cases"].([]any)
	wantCaseKeys := []string{"baseline_rps", "cpu_s_per_1k", "name", "p50_ms", "p99_ms", "response_bytes", "rps", "statements_per_request"}
	for _, c := range cases {
		if got := keys(c.(map[string]any)); !slices.Equal(got, wantCaseKeys) {
			t.Errorf("case keys = %v, want %v", got, wantCaseKeys)
		}
	}
	first, second := cases[0].(map[string]any), cases[1].(map[string]any)
	if first["baseline_rps"] != 2000.0 || second["baseline_rps"] != nil {
		t.Errorf("baseline_rps = %v and %v, want 2000 and null for a case without a baseline", first["baseline_rps"], second["baseline_rps"])
	}
	if first["rps"] != 1234.6 || first["p50_ms"] != 1.23 || first["name"] != "contact_by_id" {
		t.Errorf("first case = %v, want rps 1234.6, p50_ms 1.23 (rounded), name contact_by_id", first)
	}
	if doc["peak_rss_mb"] != 87.7 || doc["goroutines_after"] != 9.0 || !strings.Contains(doc["machine"].(string), "2 cores") {
		t.Errorf("report = %v", doc)
	}
}

func TestTargets(t *testing.T) {
	results := []caseResult{
		{name: "contact_by_id", graphql: measurement{rps: 700, p50Ms: 1, p99Ms: 3}, baseline: &measurement{rps: 1000}},
		{name: "page_100", graphql: measurement{rps: 500, p50Ms: 1, p99Ms: 5, statementsPerRequest: 6}, baseline: &measurement{rps: 1000}},
		{name: "page_999", graphql: measurement{rps: 50, p50Ms: 10, p99Ms: 20, statementsPerRequest: 6.03}},
	}
	got := map[string]bool{}
	for _, tg := range targets(results, 151, 10, 10) {
		got[tg.what] = tg.met
	}
	want := map[string]bool{
		"contact_by_id at least 70% of its raw baseline's requests/s": true,
		"page_100 at least 60% of its raw baseline's requests/s":      false,
		"contact_by_id p99 under 4x p50":                              true,
		"page_100 p99 under 4x p50":                                   false,
		"page_999 p99 under 4x p50":                                   true,
		"SQL statements per request equal for page_100 and page_999":  false,
		"peak RSS under 150 MB":                                       false,
		"no goroutine growth":                                         true,
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
