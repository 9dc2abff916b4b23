// Package db is the PostgreSQL layer: Bun models, the queries of the
// service and its embedded migrations. Every query is scoped to one
// workspace.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Open connects to the PostgreSQL server at url, with opts, as the role url
// names: the tables' owner, for migrations and seeding. It checks the
// connection before returning. A statement whose context ends is cancelled
// in PostgreSQL before its call returns (cancelOnServer).
func Open(ctx context.Context, url string, opts ...Option) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.BuildContextWatcherHandler = cancelOnServer
	// Bun writes each statement's arguments into its text, so texts rarely
	// repeat: pgx's default mode would prepare each new one (a second round
	// trip) and keep up to 512 per connection in its cache, tens of
	// megabytes that only grow. The simple protocol sends the text as it
	// is. The lookups and the pages without a filter alone are prepared
	// (lookup.go), at most maxLookupTexts and maxSelectTexts of them: the
	// cache must hold them, whatever the URL says
	// (statement_cache_capacity=0 would make every lookup fail).
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.StatementCacheCapacity = maxLookupTexts + maxSelectTexts
	maps.Copy(cfg.RuntimeParams, PlannerSettings)
	for _, opt := range opts {
		opt(cfg)
	}
	// Its connections send the statements of scopedConn behind their
	// policy setting (scope.go).
	sqldb := sql.OpenDB(scopingConnector{stdlib.GetConnector(*cfg)})
	sqldb.SetMaxOpenConns(DefaultPoolSize())
	sqldb.SetMaxIdleConns(DefaultPoolSize())
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	bdb := bun.NewDB(sqldb, pgdialect.New()).WithQueryHook(statementCounter{}).WithQueryHook(&statistics{})
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := bdb.PingContext(pingCtx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return bdb, nil
}

// DefaultPoolSize is how many requests at once the API runs with a
// connection each, unless told otherwise (DATABASE_POOL_SIZE): twice the
// CPUs plus two, the rule PostgreSQL's wiki gives for a pool (twice the
// database's cores plus its disks), with the CPUs the Go runtime uses
// standing in for the database's, which the server cannot see: 6 on 2
// CPUs. PostgreSQL runs one process a connection; more busy connections
// than it has CPUs only take turns on them, and each turn is a statement
// paused for a time slice, which on a small machine is most of the
// slowest answers' time. A statement that finds every connection busy
// waits for one, and database/sql hands a freed connection to a waiter
// chosen at random, not the longest waiting; so the API admits no more
// requests at once than this (httpapi's MaxConcurrentOperations), and the
// others wait their turn in order before they take one.
func DefaultPoolSize() int { return PoolSize(runtime.GOMAXPROCS(0)) }

// PoolSize is DefaultPoolSize for a process that runs on procs CPUs.
func PoolSize(procs int) int { return 2*procs + 2 }

// PoolHeadroom is how many connections the API's pool opens beyond the
// requests it runs at once: for the server's own work, which takes no
// turn (an API key's lookup before its request's turn, webhook
// deliveries, readiness checks, sweeps), so that it waits behind no
// request, and no request behind it.
const PoolHeadroom = 4

// OpenAPI connects like Open, but runs every statement as APIRole, which
// owns no table and does not bypass row-level security: the pool the API
// serves with. The role url names must be a member of APIRole (the
// migrations make the owner one). It fails when the statements would
// escape row-level security all the same.
func OpenAPI(ctx context.Context, url string, opts ...Option) (*bun.DB, error) {
	bdb, err := Open(ctx, url, append(opts, asAPIRole)...)
	if err != nil {
		return nil, err
	}
	if err := checkRowSecurity(ctx, bdb); err != nil {
		bdb.Close()
		return nil, err
	}
	return bdb, nil
}

// asAPIRole makes each connection run its statements as APIRole from its
// start.
func asAPIRole(cfg *pgx.ConnConfig) { cfg.RuntimeParams["role"] = APIRole }

// OpenBypassing connects like Open, for a server whose queries rely on
// their workspace filters alone (ROW_LEVEL_SECURITY=off): it fails unless
// the role url names bypasses row-level security, which would otherwise
// hide every row.
func OpenBypassing(ctx context.Context, url string, opts ...Option) (*bun.DB, error) {
	bdb, err := Open(ctx, url, opts...)
	if err != nil {
		return nil, err
	}
	role, err := roleOf(ctx, bdb)
	if err == nil && !role.bypasses {
		err = fmt.Errorf("database role %s is held by row-level security, which would hide every row: "+
			"set ROW_LEVEL_SECURITY=on, or give the role BYPASSRLS", role.name)
	}
	if err != nil {
		bdb.Close()
		return nil, err
	}
	return bdb, nil
}

// checkRowSecurity fails unless row-level security holds the pool's role.
func checkRowSecurity(ctx context.Context, bdb *bun.DB) error {
	role, err := roleOf(ctx, bdb)
	if err != nil {
		return err
	}
	if role.bypasses || role.owns {
		return fmt.Errorf("database role %s owns tables or bypasses row-level security; the API's queries must not", role.name)
	}
	return nil
}

// role is what row-level security makes of the role a pool's statements
// run as.
type role struct {
	name string
	// bypasses: a superuser, or a role with BYPASSRLS.
	bypasses bool
	// owns tables of the schema.
	owns bool
}

func roleOf(ctx context.Context, bdb *bun.DB) (role, error) {
	var r role
	err := bdb.QueryRowContext(ctx, `
		SELECT current_user, rolsuper OR rolbypassrls, EXISTS (
			SELECT FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user)
		FROM pg_roles WHERE rolname = current_user`).Scan(&r.name, &r.bypasses, &r.owns)
	if err != nil {
		return r, fmt.Errorf("check database role: %w", err)
	}
	return r, nil
}

// SearchIndexesUsable reports whether the owner of the views that lists
// read under row-level security (visible_*, db/migrations) bypasses
// it, so that search and filters use their indexes.
func SearchIndexesUsable(ctx context.Context, bdb *bun.DB) (bool, error) {
	var usable bool
	err := bdb.QueryRowContext(ctx, `
		SELECT bool_and(r.rolsuper OR r.rolbypassrls) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
		WHERE c.oid IN ('visible_contacts'::regclass, 'visible_accounts'::regclass, 'visible_phones'::regclass)`).Scan(&usable)
	if err != nil {
		return false, fmt.Errorf("check the lists' views: %w", err)
	}
	return usable, nil
}

// Ping reports whether the database answers.
func Ping(ctx context.Context, bdb *bun.DB) error {
	return bdb.PingContext(ctx)
}

// IsNoRows reports whether err says a query found no row.
func IsNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}
