package db_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/contacts-api/contacts/db"
)

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("list contacts: %w", syscall.ECONNREFUSED), true},
		{fmt.Errorf("begin: %w", driver.ErrBadConn), true},
		{fmt.Errorf("no result for set_config: %w", errors.New("conn closed")), true}, // pgx's, after a lost connection
		{&pgconn.PgError{Code: "57P01"}, true},                                        // admin_shutdown
		{&pgconn.PgError{Code: "57P03"}, true},                                        // cannot_connect_now
		{&pgconn.PgError{Code: "08006"}, true},                                        // connection_failure
		{&pgconn.PgError{Code: "57014"}, false},                                       // query_canceled: a statement timeout
		{&pgconn.PgError{Code: "23505"}, false},                                       // unique_violation
		{errors.New("a bug"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := db.IsUnavailable(tt.err); got != tt.want {
			t.Errorf("IsUnavailable(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}
