package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

func TestTimeoutsAreSetOnEveryConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                        string
		opts                        []db.Option
		wantStatement, wantIdleInTx string
	}{
		{"the defaults", []db.Option{db.WithTimeouts(db.DefaultTimeouts)}, "5s", "10s"},
		{"milliseconds", []db.Option{db.WithTimeouts(db.Timeouts{Statement: 1500 * time.Millisecond, IdleInTransaction: time.Minute})}, "1500ms", "1min"},
		{"zero leaves the server's setting", []db.Option{db.WithTimeouts(db.Timeouts{})}, "0", "0"},
		{"none without the option", nil, "0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bdb := dbtest.Open(t, db.Open, dbtest.URL(t), tt.opts...)
			var statement, idleInTx string
			err := bdb.QueryRowContext(ctx, "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')").Scan(&statement, &idleInTx)
			if err != nil {
				t.Fatal(err)
			}
			if statement != tt.wantStatement || idleInTx != tt.wantIdleInTx {
				t.Errorf("statement_timeout %s, idle_in_transaction_session_timeout %s; want %s and %s", statement, idleInTx, tt.wantStatement, tt.wantIdleInTx)
			}
		})
	}
}

// TestIdleTransactionIsEnded leaves a transaction idle past the timeout:
// PostgreSQL must end its session, releasing what it held, without any
// help from the client.
func TestIdleTransactionIsEnded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.Open(t, db.Open, dbtest.URL(t), db.WithTimeouts(db.Timeouts{IdleInTransaction: 100 * time.Millisecond}))
	tx, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var pid int
	if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	const wait = 10 * time.Second
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		var sessions int
		if err := dbtest.DB(t).QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?", pid).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session of a transaction idle for %s is still there; want it ended after 100ms", wait)
		}
	}
	if _, err := tx.ExecContext(ctx, "SELECT 1"); err == nil {
		t.Error("the transaction went on after its session was ended")
	}
}

// TestCancelledStatementStopsInPostgreSQL ends the context of a statement
// that runs in PostgreSQL: the call must return PostgreSQL's own
// cancellation error, so that the statement has stopped there before the
// caller goes on, and may exit.
func TestCancelledStatementStopsInPostgreSQL(t *testing.T) {
	t.Parallel()
	bdb := dbtest.Open(t, db.Open, dbtest.URL(t))
	conn, err := bdb.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := conn.ExecContext(ctx, "SELECT pg_sleep(60)")
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var sleeping bool
		err := dbtest.DB(t).QueryRowContext(context.Background(),
			"SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = ? AND state = 'active' AND query LIKE '%pg_sleep%'", pid).Scan(&sleeping)
		if err != nil {
			t.Fatal(err)
		}
		if sleeping {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statement did not start")
		}
	}
	cancel()
	var pgErr *pgconn.PgError
	if err := <-done; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("the cancelled statement returned %v; want PostgreSQL's query_canceled (57014)", err)
	}
}

// TestLostCancelRequestIsSentAgain: PostgreSQL ignores a cancel request
// that reaches a backend between statements, so a statement sent just
// before its context ends, on a busy machine, may miss the request meant
// for it and go on waiting for a lock after the process has gone. The
// connection's handler must ask again until the statement stops. Here
// the first request reaches the connection idle, as it would if the
// backend were slow to read the statement.
func TestLostCancelRequestIsSentAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	holder, err := dbtest.DB(t).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	key := time.Now().UnixNano()
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", key); err != nil {
		t.Fatal(err)
	}

	h := db.CancelOnServer(conn)
	h.HandleCancel(ctx)
	time.Sleep(50 * time.Millisecond) // the first request finds the connection idle
	_, err = conn.Exec(ctx, fmt.Sprintf("SELECT pg_advisory_lock(%d)", key)).ReadAll()
	h.HandleUnwatchAfterCancel()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Errorf("a statement sent after a cancel request, waiting for a lock: %v; want PostgreSQL's cancellation (57014)", err)
	}
	var waiting int
	if err := dbtest.DB(t).QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'", conn.PID()).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	if waiting > 0 {
		t.Error("the statement still waits for the lock in PostgreSQL")
	}
}
