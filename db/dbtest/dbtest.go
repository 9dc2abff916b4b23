// Package dbtest gives tests a real, migrated PostgreSQL database: on the
// server at TEST_DATABASE_URL when it is set, else on a throwaway cluster
// that the test binary starts and stops itself. Never a mock.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/localpg"
)

var (
	serverURL string // the server's maintenance database
	sharedURL string
	shared    *bun.DB
	sharedAPI *bun.DB
)

// Main runs a package's tests with a fresh migrated database, then drops
// it (and stops the cluster it started). Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	serverURL = os.Getenv("TEST_DATABASE_URL")
	if serverURL == "" {
		cluster, err := localpg.StartThrowaway(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: start PostgreSQL:", err)
			return 1
		}
		defer cluster.Stop()
		serverURL = cluster.URL("postgres")
	}
	dbURL, drop, err := createDatabase(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer drop()
	sharedURL = dbURL
	shared, err = db.Open(ctx, dbURL)
	if err == nil {
		_, err = db.Migrate(ctx, shared)
	}
	if err == nil {
		sharedAPI, err = db.OpenAPI(ctx, dbURL)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer shared.Close()
	defer sharedAPI.Close()
	return m.Run()
}

// DB returns the package's migrated database, connected as the tables'
// owner, which sees every workspace: for setting up and checking. Tests
// share it and keep out of each other's way by working in workspaces of
// their own.
func DB(t testing.TB) *bun.DB {
	t.Helper()
	if shared == nil {
		t.Fatal("dbtest: call dbtest.Main from TestMain")
	}
	return shared
}

// APIDB returns the package's database connected as the API connects
// (db.OpenAPI): row-level security holds its queries.
func APIDB(t testing.TB) *bun.DB {
	DB(t)
	return sharedAPI
}

// URL returns the URL of the package's database, for a test that needs a
// connection pool of its own.
func URL(t testing.TB) string {
	DB(t)
	return sharedURL
}

// Open opens a pool of its own to the database at url with open (db.Open,
// db.OpenAPI or db.OpenBypassing) and opts, closed when the test ends.
func Open(t testing.TB, open func(context.Context, string, ...db.Option) (*bun.DB, error), url string, opts ...db.Option) *bun.DB {
	t.Helper()
	bdb, err := open(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	return bdb
}

// NewWorkspace creates a workspace of the test's own, with its built-in
// portal roles, through store, and returns its id.
func NewWorkspace(t testing.TB, store *db.Store) uuid.UUID {
	t.Helper()
	ws := uuid.New()
	if err := store.EnsureWorkspace(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	return ws
}

// EmptyDatabase creates a database without any table, dropped when the
// test ends, and returns its URL.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	dbURL, drop, err := createDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dbURL
}

// OwnDatabase creates a migrated database of the test's own, dropped when
// the test ends, and returns its URL and pools to it as the tables' owner
// and as the API connects.
func OwnDatabase(t testing.TB) (url string, owner, api *bun.DB) {
	t.Helper()
	url = EmptyDatabase(t)
	owner = Open(t, db.Open, url)
	if _, err := db.Migrate(context.Background(), owner); err != nil {
		t.Fatal(err)
	}
	return url, owner, Open(t, db.OpenAPI, url)
}

// createDatabase makes a uniquely named database on the test server.
func createDatabase(ctx context.Context) (string, func(), error) {
	admin, err := db.Open(ctx, serverURL)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "contacts_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("parse TEST_DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	return u.String(), drop, nil
}
