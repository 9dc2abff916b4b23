package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/localpg"
	"github.com/contacts-api/contacts/service"
)

// databaseName is the benchmark's database on its throwaway cluster.
const databaseName = "bench"

// database is the benchmark's PostgreSQL: a throwaway cluster, with
// pg_stat_statements to count the statements each request runs.
type database struct {
	cluster *localpg.Cluster
	// admin is a connection to the cluster's postgres database, so that
	// counting statements adds none to the benchmark's database.
	admin *sql.DB
	// counting is whether pg_stat_statements is loaded.
	counting bool
	// marks counts the markers of statementsDuring.
	marks int
}

// startDatabase starts the cluster. A buffer cache that holds the whole
// data set keeps the disk out of the figures. The log is also written as
// JSON, one record a line, from which the floor reads the statements the
// server sent (floor.go).
func startDatabase(ctx context.Context) (*database, error) {
	settings := []localpg.Setting{
		{Name: "shared_buffers", Value: "512MB"},
		{Name: "logging_collector", Value: "on"},
		{Name: "log_destination", Value: "stderr,jsonlog"},
		{Name: "log_rotation_size", Value: "0"},
		{Name: "log_rotation_age", Value: "0"},
	}
	cluster, err := localpg.StartThrowaway(ctx, append(settings,
		localpg.Setting{Name: "shared_preload_libraries", Value: "pg_stat_statements,auto_explain"},
		localpg.Setting{Name: "auto_explain.log_min_duration", Value: slowPlan},
		localpg.Setting{Name: "auto_explain.sample_rate", Value: planSampleRate})...)
	counting := err == nil
	if err != nil {
		fmt.Fprintf(os.Stderr, "warning: PostgreSQL would not start with pg_stat_statements and auto_explain (install postgresql-contrib); statements per request will read 0\n%v\n", err)
		if cluster, err = localpg.StartThrowaway(ctx, settings...); err != nil {
			return nil, err
		}
	}
	d := &database{cluster: cluster, counting: counting}
	if err := cluster.CreateDatabase(ctx, databaseName, ""); err != nil {
		d.stop()
		return nil, err
	}
	if d.admin, err = sql.Open("pgx", cluster.URL("postgres")); err != nil {
		d.stop()
		return nil, err
	}
	if counting {
		if _, err := d.admin.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			d.stop()
			return nil, err
		}
	}
	return d, nil
}

func (d *database) url() string { return d.cluster.URL(databaseName) }

// cpuSeconds returns the CPU time the server's processes have used.
func (d *database) cpuSeconds() (float64, error) {
	b, err := os.ReadFile(filepath.Join(d.cluster.Dir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("postmaster.pid: %w", err)
	}
	return treeCPUSeconds(pid)
}

func (d *database) stop() {
	if d.admin != nil {
		d.admin.Close()
	}
	d.cluster.Stop()
}

// resetStatements forgets the statements counted so far.
func (d *database) resetStatements(ctx context.Context) error {
	if !d.counting {
		return nil
	}
	_, err := d.admin.ExecContext(ctx, "SELECT pg_stat_statements_reset()")
	return err
}

// statements returns how many statements ran in the benchmark's database
// since the last reset.
func (d *database) statements(ctx context.Context) (int64, error) {
	if !d.counting {
		return 0, nil
	}
	var n int64
	err := d.admin.QueryRowContext(ctx, `
		SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)`, databaseName).Scan(&n)
	return n, err
}

// workspacePlan is a workspace to seed.
type workspacePlan struct {
	id                 uuid.UUID
	contacts, accounts int
}

// seed fills the workspaces with `server seed`, the command users run.
func (d *database) seed(ctx context.Context, serverBinary string, plans []workspacePlan) error {
	for _, p := range plans {
		start := time.Now()
		cmd := exec.CommandContext(ctx, serverBinary, "seed", "--workspace", p.id.String(),
			"--contacts", strconv.Itoa(p.contacts), "--accounts", strconv.Itoa(p.accounts))
		cmd.Env = append(os.Environ(), "DATABASE_URL="+d.url())
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("server seed: %w\n%s", err, out)
		}
		fmt.Printf("  seeded %d contacts, %d accounts in %.1fs\n", p.contacts, p.accounts, time.Since(start).Seconds())
	}
	return nil
}

// sample is what the cases' requests are made of: records of the
// benchmark's workspace, picked at random.
type sample struct {
	contactIDs []string
	accountIDs []string
	// pageStarts are cursors of contacts followed by at least a full page
	// of 999 in the default order.
	pageStarts []string
}

// sampleRecords picks the records the requests ask for.
func (d *database) sampleRecords(ctx context.Context, ws uuid.UUID) (sample, error) {
	bdb, err := sql.Open("pgx", d.url())
	if err != nil {
		return sample{}, err
	}
	defer bdb.Close()
	var s sample
	queries := []struct {
		into  *[]string
		query string
	}{
		{&s.contactIDs, `SELECT id FROM contacts WHERE workspace_id = $1 ORDER BY random() LIMIT 1000`},
		{&s.accountIDs, `SELECT id FROM accounts WHERE workspace_id = $1 ORDER BY random() LIMIT 200`},
		{&s.pageStarts, `SELECT id || ' ' || (extract(epoch FROM created_at) * 1000000)::bigint FROM (
			SELECT id, created_at, count(*) OVER () - row_number() OVER (ORDER BY created_at, id) AS following
			FROM contacts WHERE workspace_id = $1) c
			WHERE following >= 999 ORDER BY random() LIMIT 200`},
	}
	for _, q := range queries {
		rows, err := bdb.QueryContext(ctx, q.query, ws)
		if err != nil {
			return sample{}, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return sample{}, err
			}
			*q.into = append(*q.into, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sample{}, err
		}
		if len(*q.into) == 0 {
			return sample{}, fmt.Errorf("the benchmark's workspace has nothing for %s", q.query)
		}
	}
	s.pageStarts, err = pageCursors(s.pageStarts)
	return s, err
}

// pageCursors turns "id microseconds" pairs into the cursors of those
// contacts in the default order of the contacts list.
func pageCursors(starts []string) ([]string, error) {
	list, err := service.DefaultContactList(service.PageArgs{})
	if err != nil {
		return nil, err
	}
	cursors := make([]string, len(starts))
	for i, start := range starts {
		id, micros, _ := strings.Cut(start, " ")
		us, err := strconv.ParseInt(micros, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("page start %q: %w", start, err)
		}
		cursors[i] = list.Cursor(&db.Contact{Key: db.Key{ID: id}, Tracking: db.Tracking{Timestamps: db.Timestamps{CreatedAt: time.UnixMicro(us).UTC()}}})
	}
	return cursors, nil
}
