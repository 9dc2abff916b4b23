package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/localpg"
)

func TestParseLoggedStatements(t *testing.T) {
	text := `SELECT "c"."id" FROM "contacts" AS "c" WHERE (c.workspace_id = $1) AND (c.id = ANY($2))`
	tests := []struct {
		name       string
		rec        jsonLogRecord
		wantText   string
		wantParams []string // "<nil>" for NULL
		wantOK     bool
	}{
		{"the simple protocol", jsonLogRecord{Message: "statement: SELECT 1"}, "SELECT 1", nil, true},
		{"a statement pgx named by its text, with parameters", jsonLogRecord{Message: "execute " + text + ": " + text,
			Detail: `parameters: $1 = 'b3b0c0de-0000-4000-8000-000000000001', $2 = '{ct_a,ct_b}'`},
			text, []string{"b3b0c0de-0000-4000-8000-000000000001", "{ct_a,ct_b}"}, true},
		{"an unnamed statement, with a quote and a NULL", jsonLogRecord{Message: "execute <unnamed>: SELECT $1, $2",
			Detail: `parameters: $1 = 'it''s, $2 = ''x''', $2 = NULL`}, "SELECT $1, $2", []string{"it's, $2 = 'x'", "<nil>"}, true},
		{"another message", jsonLogRecord{Message: "duration: 1.0 ms"}, "", nil, false},
		{"database/sql's ping of an idle connection", jsonLogRecord{Message: "statement: -- ping"}, "-- ping", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := parseLogged(tt.rec)
			if ok != tt.wantOK || s.text != tt.wantText {
				t.Fatalf("parseLogged = %q, %v; want %q, %v", s.text, ok, tt.wantText, tt.wantOK)
			}
			var params []string
			for _, p := range s.params {
				if p == nil {
					params = append(params, "<nil>")
				} else {
					params = append(params, *p)
				}
			}
			if !slices.Equal(params, tt.wantParams) {
				t.Errorf("params = %q, want %q", params, tt.wantParams)
			}
		})
	}
}

func TestPgbenchScriptKeepsTransactionsAndValues(t *testing.T) {
	ws, ids := "b3b0c0de-0000-4000-8000-000000000001", "{ct_a,ct_b}"
	statements := []loggedStatement{
		{pid: 1, vxid: "3/1", text: "SELECT set_config($1, $2, true)", params: []*string{ptr("app.workspace_id"), &ws}},
		{pid: 1, vxid: "3/1", text: "SELECT * FROM contacts WHERE workspace_id = $1 AND id = ANY($2) AND created_at > '2026-12-04 19:52:59+00:00'::timestamptz AND $3 IS NULL",
			params: []*string{&ws, &ids, nil}},
		{pid: 2, vxid: "4/1", text: "SELECT 'it''s' AS \"$1\", '\\'"},
	}
	script, vars := pgbenchScript("r0_", statements)
	want := "\\startpipeline\n" +
		"SELECT set_config(:r0_s0_1, :r0_s0_2, true);\n" +
		"SELECT * FROM contacts WHERE workspace_id = :r0_s1_1 AND id = ANY(:r0_s1_2) AND created_at > U&'2026-12-04 19\\003A52\\003A59+00\\003A00'::timestamptz AND NULL IS NULL;\n" +
		"\\endpipeline\n" +
		"SELECT 'it''s' AS \"$1\", '\\';\n"
	if script != want {
		t.Errorf("script =\n%s\nwant\n%s", script, want)
	}
	wantVars := []string{"r0_s0_1=app.workspace_id", "r0_s0_2=" + ws, "r0_s1_1=" + ws, "r0_s1_2=" + ids}
	if !slices.Equal(vars, wantVars) {
		t.Errorf("vars = %q, want %q", vars, wantVars)
	}
}

func ptr[T any](v T) *T { return &v }

func TestPlanShapeKeepsNodesIndexesAndTables(t *testing.T) {
	message := "duration: 12.1 ms  plan:\nQuery Text: SELECT \"c\".\"id\" FROM visible_contacts AS \"c\" LIMIT 101\n" +
		"Limit  (cost=0.44..7.63 rows=101 width=43)\n  InitPlan 1 (returns $0)\n    ->  Result  (cost=0.00..0.02 rows=1 width=16)\n" +
		"  ->  Result  (cost=0.42..7127.17 rows=100043 width=43)\n        One-Time Filter: ($0 = 'b3b0c0de'::uuid)\n" +
		"        ->  Index Only Scan using contacts_created_idx on contacts  (cost=0.42..7127.17 rows=100043 width=43)\n" +
		"              Index Cond: (workspace_id = 'b3b0c0de'::uuid)\n" +
		"        ->  Seq Scan on accounts a  (cost=0.00..1.01 rows=1 width=4)\n"
	want := "Limit > Result > Result > Index Only Scan using contacts_created_idx > Seq Scan on accounts"
	if got := planShape(message); got != want {
		t.Errorf("planShape = %q, want %q", got, want)
	}
}

func TestProgressTPSIsTheMeanAfterTheWarmUp(t *testing.T) {
	report := "pgbench (15.18)\nprogress: 1.0 s, 10.0 tps, lat 3000.1 ms stddev 1.2, 0 failed\n" +
		"progress: 2.0 s, 20.0 tps, lat 1500.0 ms stddev 1.2, 0 failed\n" +
		"progress: 3.0 s, 300.0 tps, lat 100.0 ms stddev 1.2, 0 failed\n" +
		"progress: 4.0 s, 340.0 tps, lat 90.0 ms stddev 1.2, 0 failed\n"
	if got, ok := progressTPS(report, 2*time.Second); !ok || got != 320 {
		t.Errorf("progressTPS = %v, %v; want 320 (the seconds after the warm-up), true", got, ok)
	}
	if _, ok := progressTPS(report, 4*time.Second); ok {
		t.Error("progressTPS found seconds after a warm-up as long as the run")
	}
}

// The logging collector writes a record as the file's pages fill, so the
// size that statementsDuring takes as its start can end inside a record
// being written, one logged before the requests it looks for (it happened
// once, and a run failed on "invalid character 'o'").
func TestEachLogRecordStartsAtTheFirstRecordBegunAfterTheOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "postgresql.json")
	before := `{"message":"statement: SELECT 1"}` + "\n"
	during := `{"message":"statement: SELECT pg_current_logfile('jsonlog')"}` + "\n"
	after := `{"message":"statement: SELECT 2"}` + "\n" + `{"message":"statement: SELECT 3"}` + "\n"
	written := before + during[:20]
	if err := os.WriteFile(path, []byte(written), 0o644); err != nil {
		t.Fatal(err)
	}
	offset := int64(len(written)) // what os.Stat said while the record was half written
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(during[20:] + after); err != nil {
		t.Fatal(err)
	}
	f.Close()
	read := func(offset int64) []string {
		t.Helper()
		var got []string
		if err := eachLogRecord(path, offset, func(rec jsonLogRecord) bool {
			got = append(got, rec.Message)
			return true
		}); err != nil {
			t.Fatalf("eachLogRecord from %d: %v", offset, err)
		}
		return got
	}
	if got, want := read(offset), []string{"statement: SELECT 2", "statement: SELECT 3"}; !slices.Equal(got, want) {
		t.Errorf("from inside a record: %q, want %q", got, want)
	}
	// An offset at the start of a record, or of the file, keeps it.
	if got := read(int64(len(before))); len(got) != 3 || got[0] != "statement: SELECT pg_current_logfile('jsonlog')" {
		t.Errorf("from a record's start: %q, want it and the two after it", got)
	}
	if got := read(0); len(got) != 4 {
		t.Errorf("from the file's start: %q, want all 4 records", got)
	}
}

// TestFloorSessionsHoldTheWorkspace: the server sends most statements
// alone, its connections' sessions holding the workspace; the floor's
// sessions must hold it too, or those statements would see no row and
// the floor would be that of empty results.
func TestFloorSessionsHoldTheWorkspace(t *testing.T) {
	b := &bench{db: &database{cluster: &localpg.Cluster{Port: 5432}}, pgbenchPath: "pgbench"}
	cmd := b.pgbench(t.Context(), &floor{}, 1, time.Second)
	want := "-c " + db.WorkspaceSetting + "=" + benchWorkspace.id.String()
	for _, kv := range cmd.Env {
		if options, ok := strings.CutPrefix(kv, "PGOPTIONS="); ok && strings.Contains(options, want) {
			return
		}
	}
	t.Errorf("pgbench's environment has no PGOPTIONS with %q", want)
}
