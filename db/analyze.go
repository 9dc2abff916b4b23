package db

import (
	"context"
	"database/sql"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/ctxkey"
)

// The planner chooses a statement's plan by the statistics of its
// tables, which autovacuum refreshes up to a minute after a table has
// changed by a tenth. Right after an import into a fresh database they
// say the tables are empty, and the list of contacts sorts every contact
// of the workspace before cutting its page, hundreds of times slower than
// reading the page off its index. So the server refreshes them itself
// when it has written many rows of a table: after the COMMIT that brings
// a table's rows written since its last refresh to its threshold (at
// first minAnalyzeRows), that request calls refresh_statistics (a
// function of db/migrations), which analyzes the tables
// whose writes reach 500 rows and half of what their statistics count,
// and says how many rows each needs before the next time: a few times as
// an import grows a table from nothing, and never as often as autovacuum
// on a large table, whose tenth of growth flips no plan. The request that
// wrote the rows waits for it, so that the next page, the client's or
// anyone's, is planned with the new statistics. ANALYZE blocks no other
// read or write; one process runs one refresh at a time, and a request
// that finds one running does not wait for it.
//
// The refresh runs in a transaction of its own under refreshTimeout, not
// the pool's statement timeout: ANALYZE of a large table on a busy
// machine outlasts a request's statement, and a refresh cut short would
// be asked for again at the next COMMIT, and again, keeping a backend
// analyzing. One that fails all the same forgets its tables' counts: they
// are asked about again after as many rows more.

// afterReleaseKey holds, in the context of a COMMIT that a scoped
// transaction sends as a statement (scopedTx.end), what is to run once
// its connection is back in the pool: a refresh takes a connection of its
// own, and in a small pool the one the transaction still held could be
// the one it waited for. (The COMMIT of a Bun transaction gives its
// connection back before the query hooks run.)
var afterReleaseKey = ctxkey.New[*[]func()]("db.afterRelease")

// minAnalyzeRows is the fewest rows written to a table before the server
// asks whether it needs analyzing: refresh_statistics's own threshold for
// an empty table.
const minAnalyzeRows = 500

// refreshTimeout bounds a refresh (the function bounds itself too).
const refreshTimeout = time.Minute

// statistics is the query hook that counts the rows a pool's statements
// write, by table, and refreshes the statistics of the tables that grew.
type statistics struct {
	pool *sql.DB

	mu sync.Mutex
	// written counts the rows written to each table since its last
	// refresh, committed or not: a count too high costs a needless call.
	written map[string]int64
	// threshold is how many must be written before a table is due,
	// as refresh_statistics last said; minAnalyzeRows when not known.
	threshold  map[string]int64
	refreshing bool
}

var _ bun.QueryHook = (*statistics)(nil)

// Init is how Bun hands the hook its pool.
func (s *statistics) Init(db *bun.DB) { s.pool = db.DB }

// BeforeQuery does nothing: rows are counted after a statement.
func (s *statistics) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery counts the rows a write wrote, and refreshes the statistics
// after a COMMIT when enough rows were written.
func (s *statistics) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if e.Err != nil {
		return
	}
	switch e.Operation() {
	case "INSERT", "UPDATE", "DELETE":
		if e.IQuery == nil || e.Result == nil {
			return
		}
		n, err := e.Result.RowsAffected()
		if err != nil || n == 0 {
			return
		}
		s.mu.Lock()
		if s.written == nil {
			s.written, s.threshold = make(map[string]int64), make(map[string]int64)
		}
		s.written[e.IQuery.GetTableName()] += n
		s.mu.Unlock()
	case "COMMIT":
		if later := afterReleaseKey.Value(ctx); later != nil {
			*later = append(*later, func() { s.refresh(ctx) })
			return
		}
		s.refresh(ctx)
	}
}

// refresh calls refresh_statistics for the tables written to enough,
// unless a refresh is running already.
func (s *statistics) refresh(ctx context.Context) {
	tables, written := s.due()
	if tables == nil {
		return
	}
	defer s.done()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	results, err := s.call(ctx, tables, written)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		slog.WarnContext(ctx, "the statistics of written tables were not refreshed", "tables", tables, "err", err)
		for i, t := range tables {
			s.written[t] -= written[i]
		}
		return
	}
	for _, t := range tables {
		// A table the function leaves alone (it is no tenant table) is
		// not asked about again.
		s.threshold[t] = math.MaxInt64
	}
	for _, r := range results {
		// A table analyzed counts anew; one that was not, although its
		// count reached the threshold (another ANALYZE or a VACUUM held
		// it), is asked about again after as many rows more, as after a
		// failure, not at the next COMMIT.
		if n := written[slices.Index(tables, r.table)]; r.analyzed || n >= r.threshold {
			s.written[r.table] -= n
		}
		s.threshold[r.table] = max(r.threshold, minAnalyzeRows)
	}
}

// done ends a refresh, however it ended (a panic included), so that the
// next one may run.
func (s *statistics) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshing = false
}

// refreshResult is what refresh_statistics says of a table.
type refreshResult struct {
	table     string
	analyzed  bool
	threshold int64
}

func (s *statistics) call(ctx context.Context, tables []string, written []int64) (results []refreshResult, err error) {
	tx, err := s.pool.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT set_config('statement_timeout', $1, true)",
		strconv.FormatInt(refreshTimeout.Milliseconds(), 10)); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT table_name, analyzed, threshold FROM refresh_statistics($1, $2)",
		tables, written)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r refreshResult
		if err := rows.Scan(&r.table, &r.analyzed, &r.threshold); err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return results, tx.Commit()
}

// due returns the tables written to enough to ask about, and their
// counts, and marks a refresh running; nil when there are none or one is
// running.
func (s *statistics) due() (tables []string, written []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refreshing {
		return nil, nil
	}
	for t, n := range s.written {
		if n >= max(s.threshold[t], minAnalyzeRows) {
			tables, written = append(tables, t), append(written, n)
		}
	}
	s.refreshing = tables != nil
	return tables, written
}
