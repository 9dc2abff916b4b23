package db_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestEveryTenantTableHasRowSecurity is the meta-test: a table added
// later with a workspace_id column and no policy fails it.
func TestEveryTenantTableHasRowSecurity(t *testing.T) {
	t.Parallel()
	var tables []struct {
		Name     string `bun:"name"`
		Enabled  bool   `bun:"enabled"`
		Forced   bool   `bun:"forced"`
		Policies int    `bun:"policies"`
		Granted  bool   `bun:"granted"`
	}
	err := dbtest.DB(t).NewRaw(`
		SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
			(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
			has_table_privilege(?, c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS granted
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
		WHERE c.relkind = 'r' AND (c.relname = 'workspaces' OR EXISTS (
			SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped))
		ORDER BY c.relname`, db.APIRole).Scan(context.Background(), &tables)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 9 {
		t.Fatalf("found %d tenant tables, want at least the 9 the migrations create: %+v", len(tables), tables)
	}
	for _, tb := range tables {
		if !tb.Enabled || !tb.Forced || tb.Policies == 0 || !tb.Granted {
			t.Errorf("table %s: row security enabled %v, forced %v, %d policies, %s may use it %v; want enabled, forced, a policy, used",
				tb.Name, tb.Enabled, tb.Forced, tb.Policies, db.APIRole, tb.Granted)
		}
	}
}

// TestAPIRoleEscapesNothing checks the role the API's queries run as, and
// that OpenAPI's check refuses a role that owns the tables or bypasses
// row-level security, such as the owner the tests migrate with.
func TestAPIRoleEscapesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var role string
	var super, bypass bool
	err := dbtest.APIDB(t).QueryRowContext(ctx,
		"SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&role, &super, &bypass)
	if err != nil || role != db.APIRole || super || bypass {
		t.Fatalf("API queries run as %q (superuser %v, bypass %v, err %v); want %s, neither", role, super, bypass, err, db.APIRole)
	}
	if err := db.CheckRowSecurity(ctx, dbtest.DB(t)); err == nil {
		t.Fatal("CheckRowSecurity accepted the tables' owner")
	}
	// The tests migrate as a superuser, so search uses its indexes.
	if usable, err := db.SearchIndexesUsable(ctx, dbtest.APIDB(t)); !usable || err != nil {
		t.Errorf("SearchIndexesUsable = %v, %v; want true for a superuser owner", usable, err)
	}
}

// seedTwoWorkspaces gives two new workspaces a contact each, as the owner,
// and returns the workspaces.
func seedTwoWorkspaces(t *testing.T) (a, b uuid.UUID) {
	t.Helper()
	store := db.NewStore(dbtest.DB(t))
	a, b = dbtest.NewWorkspace(t, store), dbtest.NewWorkspace(t, store)
	for _, ws := range []uuid.UUID{a, b} {
		_, err := dbtest.DB(t).ExecContext(context.Background(), `
			INSERT INTO contacts (workspace_id, id, name, portal_role_id)
			SELECT id, ?, 'Ada', default_portal_role_id FROM workspaces WHERE id = ?`, db.NewID(db.ContactPrefix), ws)
		if err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// asAPI runs fn in a transaction of the API's role with the given SET
// LOCAL statements, and rolls it back.
func asAPI(t *testing.T, settings map[string]string, fn func(tx bun.Tx) error) error {
	t.Helper()
	return inTx(t, dbtest.APIDB(t), settings, fn)
}

// inTx runs fn in a transaction on bdb with the given SET LOCAL
// statements, and rolls it back.
func inTx(t *testing.T, bdb *bun.DB, settings map[string]string, fn func(tx bun.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := bdb.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for name, value := range settings {
		if _, err := tx.ExecContext(ctx, "SET LOCAL "+name+" = ?", value); err != nil {
			t.Fatal(err)
		}
	}
	return fn(tx)
}

func countContacts(t *testing.T, tx bun.Tx, where string, args ...any) int {
	t.Helper()
	var n int
	if err := tx.QueryRowContext(context.Background(), "SELECT count(*) FROM contacts WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRowSecurityHoldsQueriesToTheirWorkspace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := seedTwoWorkspaces(t)
	t.Run("without a workspace, nothing is visible or writable", func(t *testing.T) {
		err := asAPI(t, nil, func(tx bun.Tx) error {
			if n := countContacts(t, tx, "workspace_id IN (?, ?)", a, b); n != 0 {
				t.Errorf("saw %d contacts with no workspace set, want 0", n)
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO contacts (workspace_id, id, name, portal_role_id) VALUES (?, 'contact_x', 'Eve', 'x')", a)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "row-level security") {
			t.Errorf("insert with no workspace set: %v; want a row-level security violation", err)
		}
	})
	t.Run("a query that forgets its filter still sees one workspace", func(t *testing.T) {
		asAPI(t, map[string]string{"app.workspace_id": a.String()}, func(tx bun.Tx) error {
			if n := countContacts(t, tx, "workspace_id = ?", b); n != 0 {
				t.Errorf("workspace A saw %d contacts of B, want 0", n)
			}
			if n := countContacts(t, tx, "workspace_id = ?", a); n != 1 {
				t.Errorf("workspace A saw %d of its contacts, want 1", n)
			}
			res, err := tx.ExecContext(ctx, "UPDATE contacts SET name = 'Eve' WHERE workspace_id = ?", b)
			if n, _ := res.RowsAffected(); err != nil || n != 0 {
				t.Errorf("workspace A updated %d contacts of B (err %v), want 0", n, err)
			}
			return nil
		})
	})
	writes := map[string]string{
		"insert into another workspace": "INSERT INTO contacts (workspace_id, id, name, portal_role_id) VALUES ('" + b.String() + "', 'contact_x', 'Eve', 'x')",
		"move a row to another one":     "UPDATE contacts SET workspace_id = '" + b.String() + "' WHERE workspace_id = '" + a.String() + "'",
	}
	for name, statement := range writes {
		t.Run(name, func(t *testing.T) {
			err := asAPI(t, map[string]string{"app.workspace_id": a.String()}, func(tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, statement)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "row-level security") {
				t.Errorf("%s: %v; want a row-level security violation", name, err)
			}
		})
	}
}

func TestKeyLookupSeesOneKey(t *testing.T) {
	t.Parallel()
	store := db.NewStore(dbtest.APIDB(t))
	key, secret := newAPIKey(t, store, nil)
	newAPIKey(t, store, nil)
	hash := hex.EncodeToString(auth.HashAPIKey(secret))
	asAPI(t, map[string]string{"app.api_key_hash": hash}, func(tx bun.Tx) error {
		var ids []string
		if err := tx.NewRaw("SELECT id FROM api_keys").Scan(context.Background(), &ids); err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 || ids[0] != key.ID {
			t.Errorf("with the hash of key %s set, api_keys shows %v; want that key alone", key.ID, ids)
		}
		if n := countContacts(t, tx, "true"); n != 0 {
			t.Errorf("with a key hash set, %d contacts are visible; want none", n)
		}
		return nil
	})
}

// capture is a pgx tracer that keeps the statements a pool sends, the
// lookups that Bun's hooks do not see included.
type capture struct {
	mu         sync.Mutex
	statements []string
}

func (c *capture) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statements = append(c.statements, data.SQL)
	return ctx
}

func (*capture) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// tracedPool opens a pool like open does, whose statements seen keeps.
func tracedPool(t *testing.T, open func(context.Context, string, ...db.Option) (*bun.DB, error), seen *capture) *bun.DB {
	t.Helper()
	return dbtest.Open(t, open, dbtest.URL(t), func(cfg *pgx.ConnConfig) { cfg.Tracer = seen })
}

// TestLookupsUseIndexes explains the statements that find rows by key or
// by search, as the server runs them under row-level security and without
// it, and checks that each uses the index made for it, both ways. Under
// row-level security, a test that is not leakproof (such as LIKE,
// starts_with, or && on arrays) keeps the planner from the index that
// serves it on a table whose policy must filter rows first, so that lists
// read the tables' views instead, which hold rows to the workspace without
// being a security barrier.
func TestLookupsUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := seedTwoWorkspaces(t)
	// Enough rows, and fresh statistics, for the planner to choose as it
	// would on real data.
	_, err := dbtest.DB(t).ExecContext(ctx, `
		INSERT INTO contacts (workspace_id, id, external_id, name, portal_role_id)
		SELECT c.workspace_id, 'contact_' || n, 'crm-' || n, 'C' || n, c.portal_role_id
		FROM contacts c, generate_series(1, 10000) n WHERE c.workspace_id = ?0;
		INSERT INTO phones (workspace_id, id, contact_id, number)
		SELECT ?0, 'phone_' || n, 'contact_' || n, '+1415555' || lpad(n::text, 4, '0') FROM generate_series(1, 10000) n;
		INSERT INTO accounts (workspace_id, id, name, domain)
		SELECT ?0, 'account_' || n, 'A' || n, 'a' || n || '.example' FROM generate_series(1, 10000) n`, a)
	if err == nil {
		// VACUUM also moves the rows out of the trigram indexes' pending
		// lists, which the planner would otherwise count as read by every
		// search.
		_, err = dbtest.DB(t).ExecContext(ctx, "VACUUM ANALYZE contacts, phones, accounts")
	}
	if err != nil {
		t.Fatal(err)
	}
	contacts := func(filter db.ContactFilter, order string) func(*db.Store) error {
		return func(tx *db.Store) error {
			_, err := tx.ListContacts(ctx, a, db.ListQuery{
				Match: db.Match{Filter: &filter}, Order: []db.SortKey{{Field: db.ContactSortFields[order]}}, Limit: 10,
			})
			return err
		}
	}
	text := func(s string) *string { return &s }
	lookups := []struct {
		name   string
		lookup func(*db.Store) error
		// view is the view the statement reads under row-level security
		// ("" for lookups by key, which read their table).
		view string
		// want holds what the plan must show, both ways: the indexes.
		want []string
	}{
		{"contacts by external or merged id", func(tx *db.Store) error {
			_, err := tx.LockContactsByExternalIDs(ctx, a, []string{"crm-1", "crm-2"})
			return err
		}, "", []string{" contacts_external_id_key ", " contacts_merged_idx "}},
		{"contacts by id", func(tx *db.Store) error {
			_, err := db.ByKeys[db.Contact](ctx, tx, a, db.ByID, db.AllColumns, []string{"contact_1"})
			return err
		}, "", []string{" contacts_pkey ", "(c.id = ANY ($2))"}},
		{"phones of contacts", func(tx *db.Store) error {
			_, err := db.ByKeys[db.Phone](ctx, tx, a, db.PhonesByContact, db.AllColumns, []string{"contact_1"})
			return err
		}, "", []string{" phones_contact_number_key ", "(p.contact_id = ANY ($2))"}},
		{"contacts whose name starts with a prefix, by name",
			contacts(db.ContactFilter{RecordFilter: db.RecordFilter{Name: &db.StringFilter{StartsWith: text("c12")}}}, "NAME"),
			"visible_contacts", []string{"Index Scan using contacts_name_idx ", ".name) >= 'c12'::text)"}},
		{"contacts that a word of every contact finds, by name: the order's index, a page of it",
			contacts(db.ContactFilter{RecordFilter: db.RecordFilter{Search: text("c")}}, "NAME"),
			"visible_contacts", []string{"Limit", "Index Scan using contacts_name_idx "}},
		{"contacts that a rare word finds",
			contacts(db.ContactFilter{RecordFilter: db.RecordFilter{Search: text("crm-4321")}}, "CREATED_AT"),
			"visible_contacts", []string{" contacts_search_idx "}},
		{"contacts whose name contains a rare word",
			contacts(db.ContactFilter{RecordFilter: db.RecordFilter{Name: &db.StringFilter{Contains: text("c4321")}}}, "CREATED_AT"),
			"visible_contacts", []string{" contacts_search_idx "}},
		{"contacts that a phone number finds",
			contacts(db.ContactFilter{RecordFilter: db.RecordFilter{Search: text("(415) 555-4321")}}, "CREATED_AT"),
			"visible_phones", []string{" contacts_search_idx ", " phones_digits_trgm_idx "}},
		{"accounts that a rare word finds", func(tx *db.Store) error {
			_, err := tx.ListAccounts(ctx, a, db.ListQuery{
				Match: db.Match{Filter: &db.AccountFilter{RecordFilter: db.RecordFilter{Search: text("a4321.example")}}},
				Order: []db.SortKey{{Field: db.AccountSortFields["CREATED_AT"]}}, Limit: 10,
			})
			return err
		}, "visible_accounts", []string{" accounts_search_idx "}},
	}
	ways := []struct {
		name        string
		rowSecurity bool
		// store runs the lookups, whose statements seen keeps; explain
		// explains them as the server would run them.
		store   func(seen *capture) *db.Store
		explain func(t *testing.T, statement string) string
	}{
		{"under row-level security", true, func(seen *capture) *db.Store {
			return db.NewStore(tracedPool(t, db.OpenAPI, seen))
		}, func(t *testing.T, statement string) string {
			return explain(t, dbtest.APIDB(t), a, map[string]string{"app.workspace_id": a.String(), "enable_seqscan": "off"}, statement)
		}},
		{"without row-level security", false, func(seen *capture) *db.Store {
			return db.NewStore(tracedPool(t, db.Open, seen)).WithoutRowSecurity()
		}, func(t *testing.T, statement string) string {
			return explain(t, dbtest.DB(t), a, map[string]string{"enable_seqscan": "off"}, statement)
		}},
	}
	for _, l := range lookups {
		for _, way := range ways {
			t.Run(l.name+" "+way.name, func(t *testing.T) {
				seen := &capture{}
				if err := way.store(seen).InTx(ctx, a, l.lookup); err != nil {
					t.Fatal(err)
				}
				statement := seen.statements[len(seen.statements)-2] // the last before COMMIT
				plan := way.explain(t, statement)
				for _, w := range l.want {
					if !strings.Contains(plan, w) {
						t.Errorf("%s: no %q in its plan %s:\n%s\n%s", l.name, w, way.name, statement, plan)
					}
				}
				if reads := strings.Contains(statement, l.view+" AS "); l.view != "" && reads != way.rowSecurity {
					t.Errorf("%s: reads the view %s %v %s; want %v:\n%s", l.name, l.view, reads, way.name, way.rowSecurity, statement)
				}
				if !way.rowSecurity && strings.Contains(statement, "visible_") {
					t.Errorf("%s: reads a view %s:\n%s", l.name, way.name, statement)
				}
			})
		}
	}
}

// explain returns the plan of statement on bdb, in a transaction with the
// given SET LOCAL statements; verbose, so that it names the functions it
// calls. A prepared lookup (one with parameters: workspace ws and the keys
// contact_1 and contact_2) is explained with the plan it runs with, the
// generic one, and with sequential scans allowed: the plan must not choose
// one.
func explain(t *testing.T, bdb *bun.DB, ws uuid.UUID, settings map[string]string, statement string) string {
	t.Helper()
	ctx := context.Background()
	var plan []string
	err := inTx(t, bdb, settings, func(tx bun.Tx) error {
		if !strings.Contains(statement, "$1") {
			return tx.NewRaw("EXPLAIN (VERBOSE) "+statement).Scan(ctx, &plan)
		}
		// A name of its own: a prepared statement outlives a rolled back
		// transaction on its pooled connection. Sent as it is: the simple
		// protocol would take $1 for an argument of its own.
		name := "lookup_" + strings.ReplaceAll(uuid.NewString(), "-", "")
		if _, err := tx.Tx.ExecContext(ctx, "PREPARE "+name+" AS "+statement, pgx.QueryExecModeExec); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, "DEALLOCATE "+name)
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = on"); err != nil {
			return err
		}
		return tx.NewRaw("EXPLAIN (VERBOSE) EXECUTE "+name+"(?, '{contact_1,contact_2}')", ws).Scan(ctx, &plan)
	})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(statement, "$1") && strings.Contains(text, "Seq Scan") {
		t.Errorf("the generic plan of a lookup scans a table:\n%s\n%s", statement, text)
	}
	return text
}

func TestOpenBypassingRefusesARoleHeldByRowSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := db.OpenBypassing(ctx, dbtest.URL(t)); err != nil {
		t.Fatalf("OpenBypassing refused the tests' superuser: %v", err)
	}
	name := "plain_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if _, err := dbtest.DB(t).ExecContext(ctx, "CREATE ROLE "+name+" LOGIN IN ROLE "+db.APIRole); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbtest.DB(t).ExecContext(ctx, "DROP ROLE "+name) })
	u, err := url.Parse(dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(name)
	bdb, err := db.OpenBypassing(ctx, u.String())
	if err == nil {
		bdb.Close()
		t.Fatal("OpenBypassing accepted a role that row-level security holds")
	}
	if !strings.Contains(err.Error(), "ROW_LEVEL_SECURITY=on") {
		t.Errorf("error %q does not say what to do", err)
	}
}

// TestViewsHoldListsToTheirWorkspace: the views that lists read under
// row-level security (they are no security barrier, so that the planner
// may use the indexes) show the rows of the transaction's workspace alone,
// none without one, and every column of their tables: SELECT * is fixed
// when a view is created, so that a column added later needs the view
// recreated.
func TestViewsHoldListsToTheirWorkspace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := seedTwoWorkspaces(t)
	_, err := dbtest.DB(t).ExecContext(ctx, `
		INSERT INTO phones (workspace_id, id, contact_id, number) SELECT workspace_id, 'phone_' || id, id, '+14155550100' FROM contacts WHERE workspace_id IN (?0, ?1);
		INSERT INTO accounts (workspace_id, id, name) SELECT id, 'account_x', 'Acme' FROM workspaces WHERE id IN (?0, ?1)`, a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, view := range []string{"visible_contacts", "visible_accounts", "visible_phones"} {
		table := strings.TrimPrefix(view, "visible_")
		count := func(settings map[string]string) (own, others int) {
			err := asAPI(t, settings, func(tx bun.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT count(*) FILTER (WHERE workspace_id = ?), count(*) FILTER (WHERE workspace_id = ?) FROM "+view, a, b).Scan(&own, &others)
			})
			if err != nil {
				t.Fatal(err)
			}
			return own, others
		}
		if own, others := count(nil); own != 0 || others != 0 {
			t.Errorf("%s with no workspace set shows %d and %d rows of two workspaces; want none", view, own, others)
		}
		if own, others := count(map[string]string{"app.workspace_id": a.String()}); own != 1 || others != 0 {
			t.Errorf("%s shows workspace A %d of its rows and %d of B's; want 1 and 0", view, own, others)
		}
		var missing []string
		err := dbtest.DB(t).NewRaw(`
			SELECT t.attname FROM pg_attribute t
			WHERE t.attrelid = ?::regclass AND t.attnum > 0 AND NOT t.attisdropped
			AND NOT EXISTS (SELECT FROM pg_attribute v WHERE v.attrelid = ?::regclass AND v.attname = t.attname)`, table, view).Scan(ctx, &missing)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("%s lacks the columns %v of %s: recreate it in the migration that added them", view, missing, table)
		}
	}
}
