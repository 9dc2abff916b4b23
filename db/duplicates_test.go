package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// keyCounts returns the workspace's rows of contact_keys, as
// "REASON account key = n", sorted.
func keyCounts(t *testing.T, tx bun.IDB, query string) []string {
	t.Helper()
	rows, err := tx.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var reason, account, key string
		var n int
		if err := rows.Scan(&reason, &account, &key, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s = %d", reason, account, key, n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

const (
	countedKeys = `SELECT reason, account_id, key, contacts FROM contact_keys`
	// recountedKeys counts the keys of the rows as they are, by the
	// functions the triggers count them with.
	recountedKeys = `SELECT reason, account_id, key, sum(contacts) FROM (
		SELECT k.* FROM contacts AS c, keys_of(c, 1) AS k
		UNION ALL SELECT k.* FROM phones AS p, keys_of(p, 1) AS k) AS k
		GROUP BY 1, 2, 3`
)

// TestContactKeysFollowWrites writes contacts and phones in every way the
// triggers see (many rows at once, updates of keys and of other columns,
// phones moved between contacts, deletes that cascade) and expects
// contact_keys to hold what counting the rows again finds.
func TestContactKeysFollowWrites(t *testing.T) {
	t.Parallel()
	_, ws := newWorkspace(t)
	steps := []string{
		`INSERT INTO accounts (workspace_id, id, name) VALUES (:ws, 'acc_a', 'A'), (:ws, 'acc_b', 'B')`,
		`INSERT INTO contacts (workspace_id, id, name, first_name, last_name, email, account_id, portal_role_id)
		 SELECT :ws, v.id, v.name, v.first, v.last, v.email, v.account, w.default_portal_role_id
		 FROM workspaces AS w, (VALUES
			('c1', 'Ada Lovelace', 'Ada', 'Lovelace', 'Ada@x.com', 'acc_a'),
			('c2', 'ada  lovelace', NULL, NULL, 'ada@X.COM', 'acc_a'),
			('c3', 'Ada Lovelace', 'Ada', 'Lovelace', NULL, 'acc_b'),
			('c4', 'Grace', NULL, NULL, 'grace@x.com', NULL)) AS v(id, name, first, last, email, account)
		 WHERE w.id = :ws`,
		`INSERT INTO phones (workspace_id, id, contact_id, number) VALUES
			(:ws, 'p1', 'c1', '+14155550100'), (:ws, 'p2', 'c4', '+14155550100'), (:ws, 'p3', 'c4', '+14155550101')`,
		`UPDATE contacts SET tags = '{vip}'`,
		`UPDATE contacts SET email = 'grace@x.com' WHERE id = 'c1'`,
		`UPDATE contacts SET account_id = 'acc_a' WHERE id = 'c3'`,
		`UPDATE phones SET contact_id = 'c3' WHERE id = 'p3'`,
		`DELETE FROM contacts WHERE id = 'c4'`,
	}
	err := asAPI(t, map[string]string{"app.workspace_id": ws.String()}, func(tx bun.Tx) error {
		for _, step := range steps {
			if _, err := tx.ExecContext(context.Background(), strings.ReplaceAll(step, ":ws", "'"+ws.String()+"'")); err != nil {
				return fmt.Errorf("%s: %w", step, err)
			}
		}
		want := []string{
			"EMAIL  ada@x.com = 1",
			"EMAIL  grace@x.com = 1",
			"NAME acc_a ada lovelace = 3",
			"PHONE  +14155550100 = 1",
			"PHONE  +14155550101 = 1",
		}
		counted := keyCounts(t, tx, countedKeys)
		if !slices.Equal(counted, want) {
			t.Errorf("contact_keys after the writes:\n%v\nwant:\n%v", counted, want)
		}
		if recounted := keyCounts(t, tx, recountedKeys); !slices.Equal(counted, recounted) {
			t.Errorf("contact_keys %v, but the rows have the keys %v", counted, recounted)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentWritersOfOneKeyBothCount creates two contacts with one
// email in two transactions at once: neither sees the other's contact
// until it commits, and both must count.
func TestConcurrentWritersOfOneKeyBothCount(t *testing.T) {
	t.Parallel()
	_, ws := newWorkspace(t)
	ctx := context.Background()
	insert := func(tx bun.Tx, id, email string) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO contacts (workspace_id, id, name, email, portal_role_id)
			SELECT id, ?, 'Ada', ?, default_portal_role_id FROM workspaces WHERE id = ?`, id, email, ws)
		return err
	}
	begin := func() bun.Tx {
		tx, err := dbtest.APIDB(t).BeginTx(ctx, &sql.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SET LOCAL app.workspace_id = ?", ws.String()); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	first, second := begin(), begin()
	defer first.Rollback()
	defer second.Rollback()
	if err := insert(first, "c1", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		if err := insert(second, "c2", "ADA@example.com"); err != nil {
			done <- err
			return
		}
		done <- second.Commit()
	}()
	select {
	case err := <-done:
		t.Fatalf("the second writer of the key finished (%v) while the first held it", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	groups, err := db.NewStore(dbtest.APIDB(t)).ListDuplicateGroups(ctx, ws, db.DuplicateQuery{ListQuery: db.ListQuery{Limit: 10}, Members: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Size != 2 || !slices.Equal(groups[0].ContactIDs(), []string{"c1", "c2"}) {
		t.Errorf("groups %+v, want one of c1 and c2", groups)
	}
}
