package dbtest

import (
	"context"
	"testing"

	"github.com/uptrace/bun"
)

// RowLock is a transaction that holds the lock of a row, so that a write
// of the row waits in PostgreSQL for as long as a test wants.
type RowLock struct {
	bdb *bun.DB
	tx  bun.Tx
	pid int // the locking backend's
}

// LockRow locks the row of table whose id is id, in the database of bdb,
// until Release or the end of the test.
func LockRow(t testing.TB, bdb *bun.DB, table, id string) *RowLock {
	t.Helper()
	ctx := context.Background()
	tx, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &RowLock{bdb: bdb, tx: tx}
	t.Cleanup(l.Release)
	err = tx.QueryRowContext(ctx, "SELECT pg_backend_pid() FROM ? WHERE id = ? FOR UPDATE", bun.Ident(table), id).Scan(&l.pid)
	if err != nil {
		t.Fatalf("lock %s %s: %v", table, id, err)
	}
	return l
}

// Release ends the lock's transaction; later calls do nothing.
func (l *RowLock) Release() { l.tx.Rollback() }

// Waiters returns how many backends wait for the lock.
func (l *RowLock) Waiters(t testing.TB) int {
	t.Helper()
	// Not in the lock's transaction, which would see the activity as it
	// was at its start.
	var n int
	err := l.bdb.QueryRowContext(context.Background(),
		"SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", l.pid).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
