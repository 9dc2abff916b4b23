// Command query is the benchmark of the query side (make bench-query): it
// seeds a throwaway PostgreSQL with one workspace of 1,000,000 contacts
// (100,000 accounts, 2 phones each, 5 custom fields) among the rows of
// other workspaces, sends the first page of 100 for each filter of the
// issue, a page 500,000 rows deep and the first pages of duplicate groups
// through the HTTP handler, and prints
// each one's median time and the EXPLAIN ANALYZE plan of its SQL. It is
// not a test: it asserts nothing about time, but it flags a sequential
// scan of the contacts table. Each query runs both ways, alternately: as
// the server serves by default, under row-level security, and as it does
// with ROW_LEVEL_SECURITY=off (as the tables' owner, which bypasses
// row-level security, on a store without it); the plans are those under
// row-level security.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/localpg"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/service"
)

// The seeded workspaces: fixed, so that a kept cluster is found again.
var (
	measured = uuid.MustParse("4d1c0000-0000-4000-8000-000000000001")
	others   = []uuid.UUID{
		uuid.MustParse("4d1c0000-0000-4000-8000-000000000002"),
		uuid.MustParse("4d1c0000-0000-4000-8000-000000000003"),
	}
)

var secret = []byte("bench-secret-0123456789abcdef0123456789")

func main() {
	contacts := flag.Int("contacts", 1_000_000, "contacts of the measured workspace (a tenth as many accounts)")
	otherContacts := flag.Int("other-contacts", 100_000, "contacts of each of the two other workspaces")
	runs := flag.Int("runs", 25, "timed runs of each query")
	dataDir := flag.String("data", "", "keep the cluster in this directory and reuse its data on the next run (default: a throwaway cluster)")
	flag.Parse()
	// The handler logs a line per request; the report is what matters here.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(*contacts, *otherContacts, *runs, *dataDir); err != nil {
		log.Fatal(err)
	}
}

func run(contacts, otherContacts, runs int, dataDir string) error {
	ctx := context.Background()
	var cluster *localpg.Cluster
	var err error
	if dataDir == "" {
		cluster, err = localpg.StartThrowaway(ctx)
	} else {
		cluster, err = localpg.Start(ctx, dataDir)
	}
	if err != nil {
		return err
	}
	defer cluster.Stop()
	url := cluster.URL("contacts_bench")
	if err := cluster.CreateDatabase(ctx, "contacts_bench", ""); err != nil && dataDir == "" {
		return err
	}
	bdb, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer bdb.Close()
	if _, err := db.Migrate(ctx, bdb); err != nil {
		return err
	}
	seeded, err := countContacts(ctx, bdb)
	if err != nil {
		return err
	}
	if seeded == 0 {
		specs := []workspaceSpec{{measured, contacts / contactsPerAccount}}
		for _, o := range others {
			specs = append(specs, workspaceSpec{o, otherContacts / contactsPerAccount})
		}
		if err := seed(ctx, url, specs, db.NewStore(bdb)); err != nil {
			return err
		}
		if seeded, err = countContacts(ctx, bdb); err != nil {
			return err
		}
	} else {
		log.Printf("reusing %d seeded contacts", seeded)
	}
	// The handler's queries run as the server's do: as db.APIRole, under
	// row-level security, or as the owner without it, seen by the hook that
	// keeps the list statement.
	apiList := &lastList{}
	api, err := db.OpenAPI(ctx, url, func(cfg *pgx.ConnConfig) { cfg.Tracer = apiList })
	if err != nil {
		return err
	}
	defer api.Close()
	b, err := newBench(bdb, newWay(api, apiList, db.NewStore), newWay(bdb, &lastList{}, func(owner *bun.DB) *db.Store { return db.NewStore(owner).WithoutRowSecurity() }))
	if err != nil {
		return err
	}
	cases, err := b.cases(ctx, min(500_000, seeded/2))
	if err != nil {
		return err
	}
	fmt.Printf("\nQuery benchmark: %d contacts in the measured workspace, among %d others' rows; %d runs each way, alternating, through the HTTP handler, under row-level security and without it.\n\n",
		seeded, len(others), runs)
	var report []string
	for _, c := range cases {
		line, plan, err := b.measure(ctx, c, runs)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Println(line)
		report = append(report, fmt.Sprintf("### %s\n\n%s\n", c.name, plan))
	}
	fmt.Printf("\nPlans (EXPLAIN ANALYZE of each page's list statement):\n\n%s", strings.Join(report, "\n"))
	return nil
}

// countContacts returns how many contacts the measured workspace has.
func countContacts(ctx context.Context, bdb *bun.DB) (int, error) {
	var n int
	err := bdb.NewSelect().Table("contacts").ColumnExpr("count(*)").Where("workspace_id = ?", measured).Scan(ctx, &n)
	return n, err
}

// lastList keeps the last statement that listed contacts or duplicate
// groups, with its parameters, to explain it: as a Bun query hook, for the
// statements Bun runs (duplicate groups), and as pgx's tracer, for those
// the store sends itself (pages, prepared when they have no filter).
type lastList struct {
	mu        sync.Mutex
	statement listStatement
}

// listStatement is a statement and its parameters' values.
type listStatement struct {
	sql  string
	args []any
}

func (l *lastList) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *lastList) AfterQuery(_ context.Context, e *bun.QueryEvent) { l.keep(e.Query, nil) }

func (l *lastList) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.keep(data.SQL, data.Args)
	return ctx
}

func (*lastList) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *lastList) keep(sql string, args []any) {
	// Under row-level security, lists read the contacts' view.
	lists := strings.Contains(sql, `FROM "contacts" AS "c"`) || strings.Contains(sql, `FROM visible_contacts AS "c"`) ||
		strings.Contains(sql, "FROM contact_keys")
	if lists && !strings.Contains(sql, "count(*)") {
		l.mu.Lock()
		l.statement = listStatement{sql, args}
		l.mu.Unlock()
	}
}

func (l *lastList) take() listStatement {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.statement
	l.statement = listStatement{}
	return s
}

// way is one way of serving the queries: a pool and the store on it.
type way struct {
	pool    *bun.DB // the pool the handler queries with
	store   *db.Store
	handler http.Handler
	// sql keeps the pool's last list statement.
	sql *lastList
}

func newWay(pool *bun.DB, sql *lastList, store func(*bun.DB) *db.Store) *way {
	pool = pool.WithQueryHook(sql)
	return &way{pool: pool, store: store(pool), sql: sql}
}

// bench sends GraphQL requests as the measured workspace, each way.
type bench struct {
	bdb   *bun.DB // the owner's pool, which sees every workspace
	token string
	// rls serves under row-level security, off without it.
	rls, off *way
}

func newBench(bdb *bun.DB, rls, off *way) (*bench, error) {
	verifier, err := auth.NewVerifier(auth.Config{Secret: secret})
	if err != nil {
		return nil, err
	}
	token, err := auth.Mint(secret, auth.TokenRequest{WorkspaceID: measured, Scope: auth.ScopeRead, Subject: "bench", TTL: time.Hour})
	if err != nil {
		return nil, err
	}
	for _, w := range []*way{rls, off} {
		w.handler = httpapi.NewHandler(httpapi.Options{Service: service.New(w.store), Verifier: verifier})
	}
	return &bench{bdb: bdb, token: token, rls: rls, off: off}, nil
}

// page is what the benchmark reads of a page of contacts or groups.
type page struct {
	Nodes    []struct{ ID string }
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

// post sends one query, served w's way, and returns the page it got.
func (b *bench) post(w *way, query string, vars map[string]any) (page, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+b.token)
	rec := httptest.NewRecorder()
	w.handler.ServeHTTP(rec, req)
	var out struct {
		Data   map[string]page
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) > 0 || len(out.Data) != 1 {
		return page{}, fmt.Errorf("status %d: %s", rec.Code, rec.Body.String())
	}
	for _, p := range out.Data {
		return p, nil
	}
	panic("unreachable")
}

// benchCase is one measured query: a document (pageDoc when empty) and
// the arguments it takes besides after.
type benchCase struct {
	name string
	doc  string
	args string
	vars map[string]any
}

const (
	pageDoc   = `query($after: String) { contacts(after: $after, %s) { nodes { id name email } pageInfo { hasNextPage endCursor } } }`
	groupsDoc = `query($after: String) { duplicateContacts(after: $after, %s) { nodes { reason key contactIds } pageInfo { hasNextPage endCursor } } }`
)

// cases are the queries of the issue, and a few more for context; the
// deep page starts after deep rows.
func (b *bench) cases(ctx context.Context, deep int) ([]benchCase, error) {
	var accountIDs []string
	err := b.bdb.NewSelect().Table("accounts").Column("id").Where("workspace_id = ?", measured).
		OrderExpr("md5(id)").Limit(5).Scan(ctx, &accountIDs)
	if err != nil || len(accountIDs) < 5 {
		return nil, fmt.Errorf("pick 5 accounts: %v", err)
	}
	var phone string
	err = b.bdb.NewSelect().Table("phones").Column("number").Where("workspace_id = ?", measured).
		OrderExpr("id").Offset(12345).Limit(1).Scan(ctx, &phone)
	if err != nil {
		return nil, err
	}
	cursor, err := b.cursorAfter(deep)
	if err != nil {
		return nil, err
	}
	quoted, _ := json.Marshal(accountIDs)
	written := fmt.Sprintf("(%s) %s-%s", phone[2:5], phone[5:8], phone[8:])
	return []benchCase{
		{"search: \"smith\"", "", `first: 100, filter: {search: "smith"}`, nil},
		{"email: {contains: \"@acme\"}", "", `first: 100, filter: {email: {contains: "@acme"}}`, nil},
		{"accountId: {in: [5 accounts]}", "", `first: 100, filter: {accountId: {in: ` + string(quoted) + `}}`, nil},
		{"tags: {hasAll: [\"customer\", \"newsletter\"]}", "", `first: 100, filter: {tags: {hasAll: ["customer", "newsletter"]}}`, nil},
		{"customFields: [{slug: \"plan\", equals: \"enterprise\"}]", "", `first: 100, filter: {customFields: [{slug: "plan", equals: "enterprise"}]}`, nil},
		{fmt.Sprintf("after a cursor %d rows deep", deep), "", `first: 100`, map[string]any{"after": cursor}},
		{"no filter, first page", "", `first: 100`, nil},
		{"orderBy NAME ASC, first page", "", `first: 100, orderBy: [{field: NAME, direction: ASC}]`, nil},
		{"last: 100 (end of the list)", "", `last: 100`, nil},
		{"search: a phone number as written " + written, "", `first: 100, filter: {search: "` + written + `"}`, nil},
		{"search: a rare word \"crm-12345\"", "", `first: 100, filter: {search: "crm-12345"}`, nil},
		{"name: {startsWith: \"grace\"}, orderBy NAME", "", `first: 100, filter: {name: {startsWith: "grace"}}, orderBy: [{field: NAME, direction: ASC}]`, nil},
		{"duplicateContacts, first page", groupsDoc, `first: 100`, nil},
		{"duplicateContacts(reason: NAME), first page", groupsDoc, `first: 100, reason: NAME`, nil},
		{"duplicateContacts(reason: PHONE), first page", groupsDoc, `first: 100, reason: PHONE`, nil},
	}, nil
}

// cursorAfter pages forward through the default order until rows records
// are behind, and returns the cursor there.
func (b *bench) cursorAfter(rows int) (string, error) {
	start := time.Now()
	var cursor *string
	for done := 0; done < rows; {
		n := min(999, rows-done)
		p, err := b.post(b.off, fmt.Sprintf(pageDoc, fmt.Sprintf("first: %d", n)), map[string]any{"after": cursor})
		if err != nil {
			return "", err
		}
		if len(p.Nodes) != n {
			return "", fmt.Errorf("paging to %d rows: a page had %d of %d rows", rows, len(p.Nodes), n)
		}
		done += n
		cursor = p.PageInfo.EndCursor
	}
	log.Printf("paged %d rows to find the deep cursor in %s", rows, time.Since(start).Round(time.Millisecond))
	return *cursor, nil
}

// measure runs a case a few times each way to warm up, then runs times
// each way, alternately, and returns its report line and the plan of its
// list statement under row-level security.
func (b *bench) measure(ctx context.Context, c benchCase, runs int) (string, string, error) {
	doc := c.doc
	if doc == "" {
		doc = pageDoc
	}
	doc = fmt.Sprintf(doc, c.args)
	var rows int
	for range 3 {
		for _, w := range []*way{b.rls, b.off} {
			p, err := b.post(w, doc, c.vars)
			if err != nil {
				return "", "", err
			}
			rows = len(p.Nodes)
		}
	}
	statement := b.rls.sql.take()
	times := map[*way][]time.Duration{}
	for range runs {
		for _, w := range []*way{b.rls, b.off} {
			start := time.Now()
			if _, err := b.post(w, doc, c.vars); err != nil {
				return "", "", err
			}
			times[w] = append(times[w], time.Since(start))
		}
	}
	median := func(w *way) (median, p90 time.Duration) {
		t := times[w]
		slices.Sort(t)
		return t[len(t)/2], t[len(t)*9/10]
	}
	rlsMedian, rlsP90 := median(b.rls)
	offMedian, _ := median(b.off)
	plan, err := b.explain(ctx, statement)
	if err != nil {
		return "", "", err
	}
	verdict := "no sequential scan of contacts"
	if strings.Contains(plan, "Seq Scan on contacts") {
		verdict = "SEQUENTIAL SCAN OF CONTACTS"
	}
	line := fmt.Sprintf("%-62s %4d rows  median %7.2f ms  p90 %7.2f ms  (without RLS: median %7.2f ms)  %s",
		c.name, rows, ms(rlsMedian), ms(rlsP90), ms(offMedian), verdict)
	return line, plan, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// explain returns the EXPLAIN ANALYZE plan of a statement, run as the
// handler ran it under row-level security: on its pool, in the measured
// workspace; one with parameters prepared, so that the plan is the
// generic one that the server's connections use (see db.PlannerSettings).
func (b *bench) explain(ctx context.Context, statement listStatement) (string, error) {
	if statement.sql == "" {
		return "", fmt.Errorf("no list statement was captured")
	}
	tx, err := b.rls.pool.DB.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL app.workspace_id = '"+measured.String()+"'"); err != nil {
		return "", err
	}
	explained := statement.sql
	if len(statement.args) > 0 {
		literals, err := sqlLiterals(statement.args)
		if err != nil {
			return "", err
		}
		// A prepared statement outlives the transaction on its pooled
		// connection.
		if _, err := tx.ExecContext(ctx, "PREPARE bench_list AS "+statement.sql); err != nil {
			return "", err
		}
		defer tx.ExecContext(context.WithoutCancel(ctx), "DEALLOCATE bench_list")
		explained = "EXECUTE bench_list(" + strings.Join(literals, ", ") + ")"
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+explained)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		lines = append(lines, "    "+line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// sqlLiterals writes the parameters of a page's statement as SQL
// literals, for EXECUTE.
func sqlLiterals(args []any) ([]string, error) {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	literals := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case pgtype.UUID:
			literals[i] = quote(uuid.UUID(v.Bytes).String())
		case time.Time:
			literals[i] = quote(v.Format(time.RFC3339Nano))
		case string:
			literals[i] = quote(v)
		case *string:
			literals[i] = "NULL"
			if v != nil {
				literals[i] = quote(*v)
			}
		default:
			return nil, fmt.Errorf("parameter %d: no literal for a %T", i+1, a)
		}
	}
	return literals, nil
}

func init() {
	log.SetOutput(os.Stderr)
	log.SetFlags(log.Ltime)
}
