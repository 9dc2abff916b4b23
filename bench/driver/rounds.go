package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
)

// Runs of the same case differ, some by half (issue 18: the accounts
// lookup of page_100 averaged 2.3 ms in slow runs and 0.15 ms in fast
// ones). To tell a plan that flips from a machine that is busier, every
// measured run records, from pg_stat_statements, what each statement took
// on average, and, from auto_explain, the plans of the executions that
// took longer than slowPlan (a sample of them): bench/results/rounds.txt
// lists them by case, server and round.

// slowPlan is the execution time past which auto_explain logs a sampled
// statement's plan, and planSampleRate the share of statements it looks
// at: enough to catch the plans of slow executions without logging the
// plan of every statement on a busy machine.
const (
	slowPlan       = "5ms"
	planSampleRate = "0.05"
)

// statementTime is what one statement (all its executions) took in a run.
type statementTime struct {
	queryID string
	query   string
	calls   int64
	meanMs  float64
	// plans are the shapes of the plans of its slow executions that
	// auto_explain logged, with how many times each.
	plans map[string]int
}

// statementTimes returns the statements of the benchmark's database since
// the last reset, the longest in total first.
func (d *database) statementTimes(ctx context.Context) ([]statementTime, error) {
	if !d.counting {
		return nil, nil
	}
	rows, err := d.admin.QueryContext(ctx, `
		SELECT queryid::text, query, calls, mean_exec_time FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
		ORDER BY total_exec_time DESC LIMIT 8`, databaseName)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var times []statementTime
	for rows.Next() {
		var t statementTime
		if err := rows.Scan(&t.queryID, &t.query, &t.calls, &t.meanMs); err != nil {
			return nil, err
		}
		times = append(times, t)
	}
	return times, rows.Err()
}

// slowPlans returns the shapes of the plans that auto_explain logged
// since offset in the jsonlog, by query id, with their counts.
func (d *database) slowPlans(path string, offset int64) (map[string]map[string]int, error) {
	plans := make(map[string]map[string]int)
	err := eachLogRecord(path, offset, func(rec jsonLogRecord) bool {
		if rec.DBName != databaseName || !strings.HasPrefix(rec.Message, "duration: ") || !strings.Contains(rec.Message, "plan:") {
			return true
		}
		id := fmt.Sprint(rec.QueryID)
		if plans[id] == nil {
			plans[id] = make(map[string]int)
		}
		plans[id][planShape(rec.Message)]++
		return true
	})
	return plans, err
}

var planNode = regexp.MustCompile(`^\s*(?:->\s+)?([A-Z][A-Za-z ]+?)(?: using (\S+))?(?: on (\S+))?(?:\s+\w+)?\s+\(cost=`)

// planShape is a plan's nodes, with their indexes and tables, without
// costs and conditions: the same for every execution of a plan.
func planShape(message string) string {
	var nodes []string
	for line := range strings.Lines(message) {
		m := planNode.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		node := m[1]
		if m[2] != "" {
			node += " using " + m[2]
		}
		if m[3] != "" && m[2] == "" {
			node += " on " + m[3]
		}
		nodes = append(nodes, node)
	}
	return strings.Join(nodes, " > ")
}

// roundProfile is what the statements of one run took.
type roundProfile struct {
	server string
	round  int
	rps    float64
	times  []statementTime
}

// writeRounds writes bench/results/rounds.txt: for each case, each run's
// requests/s and its statements' mean times and slow plans.
func writeRounds(dir string, results []caseResult) (string, error) {
	path := filepath.Join(dir, "rounds.txt")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	printRounds(f, results)
	return path, f.Close()
}

func printRounds(w io.Writer, results []caseResult) {
	fmt.Fprintf(w, "# Each run's statements: mean execution time and calls (pg_stat_statements), and the plans of\n"+
		"# sampled executions over %s (auto_explain, %s of statements), by case, server and round.\n", slowPlan, planSampleRate)
	for _, c := range results {
		for _, p := range c.profiles {
			fmt.Fprintf(w, "\n%s, %s, round %d: %.1f requests/s\n", c.name, p.server, p.round, p.rps)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, t := range p.times {
				fmt.Fprintf(tw, "  %.3f ms\t%d calls\t%s\n", t.meanMs, t.calls, shorten(t.query, 110))
				for _, shape := range slices.Sorted(func(yield func(string) bool) {
					for s := range t.plans {
						if !yield(s) {
							return
						}
					}
				}) {
					fmt.Fprintf(tw, "  \t%d slow\t%s\n", t.plans[shape], shape)
				}
			}
			tw.Flush()
		}
	}
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
