package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestChecksOfTheNewCases(t *testing.T) {
	tests := []struct {
		name    string
		check   func(json.RawMessage) error
		data    string
		wantErr bool
	}{
		{"a full search page of matches passes", checkSearch, searchPage(100, "Ada Smith", "ada.smith.1@acme.example"), false},
		{"a match by email passes", checkSearch, searchPage(100, "Ada Lovelace", "ada.garcia@acme.example"), false},
		{"a short search page fails", checkSearch, searchPage(99, "Ada Smith", "a@b.example"), true},
		{"a contact without a searched word fails", checkSearch, searchPage(100, "Ada Lovelace", "ada@acme.example"), true},
		{"1,000 created contacts pass", checkBulk, bulkResults(bulkSize, true, ""), false},
		{"an update fails: the call must create", checkBulk, bulkResults(bulkSize, false, ""), true},
		{"a user error fails", checkBulk, bulkResults(bulkSize, true, `{"code":"INVALID"}`), true},
		{"fewer results than inputs fail", checkBulk, bulkResults(bulkSize-1, true, ""), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(json.RawMessage(tt.data))
			if (err != nil) != tt.wantErr {
				t.Errorf("check = %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestBulkCaseRunsAtItsOwnConcurrency(t *testing.T) {
	bulk := benchCase{concurrency: bulkConcurrency}
	for _, tt := range []struct{ run, want int }{{32, bulkConcurrency}, {2, 2}} {
		b := &bench{settings: settings{concurrency: tt.run}}
		if got := b.clients(bulk); got != tt.want {
			t.Errorf("at %d clients, the bulk case runs %d, want %d", tt.run, got, tt.want)
		}
		if got := b.clients(benchCase{}); got != tt.run {
			t.Errorf("at %d clients, a case without its own runs %d, want %d", tt.run, got, tt.run)
		}
	}
}

func TestBulkRequestAsksForKeysOfItsOwn(t *testing.T) {
	req := bulkRequest()[0]
	if got := strings.Count(string(req.Body), req.Unique); req.Unique == "" || got != bulkSize {
		t.Errorf("the marker %q occurs %d times, want once per input (%d)", req.Unique, got, bulkSize)
	}
	if n := len(req.Body); n <= 100<<10 || n > 2<<20 {
		t.Errorf("the body is %d bytes, want over the 100 KiB of other requests and within the 2 MiB of bulk ones", n)
	}
}

func searchPage(n int, name, email string) string {
	node := fmt.Sprintf(`{"name":%q,"email":%q,"account":{"id":"a"},"accounts":[{"id":"a"}],"phones":[{"id":"p1"},{"id":"p2"}],"portalRole":{"slug":"member"}}`, name, email)
	return `{"contacts":{"nodes":[` + strings.Repeat(node+",", n-1) + node + `]}}`
}

func bulkResults(n int, created bool, userError string) string {
	results := make([]string, n)
	for i := range results {
		results[i] = fmt.Sprintf(`{"index":%d,"created":%t,"contact":{"tags":["crm","sync"],"phones":[{"id":"p1"},{"id":"p2"}]},"userErrors":[%s]}`, i, created, userError)
	}
	return `{"bulkUpsertContacts":{"results":[` + strings.Join(results, ",") + `]}}`
}

func TestBenchCasesChoosesCasesByName(t *testing.T) {
	all := []benchCase{{name: "contact_by_id"}, {name: "page_100"}, {name: "page_999"}}
	tests := []struct {
		name    string
		names   []string
		want    []string
		wantErr bool
	}{
		{"none named runs every case", nil, []string{"contact_by_id", "page_100", "page_999"}, false},
		{"named cases run in the benchmark's order", []string{"page_999", "contact_by_id"}, []string{"contact_by_id", "page_999"}, false},
		{"an unknown name is refused", []string{"page_100", "page_42"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chosen, err := selectCases(slices.Clone(all), tt.names)
			if (err != nil) != tt.wantErr {
				t.Fatalf("selectCases(%v) error = %v, want an error: %v", tt.names, err, tt.wantErr)
			}
			var got []string
			for _, c := range chosen {
				got = append(got, c.name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("selectCases(%v) = %v, want %v", tt.names, got, tt.want)
			}
		})
	}
}
