// Package db is the PostgreSQL layer: Bun models, the queries of the
// service and its embedded migrations. Every query is scoped to one
// workspace.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Open connects to the PostgreSQL server at url, with opts. It checks the
// connection before returning. A statement whose context ends is
// cancelled in PostgreSQL before its call returns (cancelOnServer).
func Open(ctx context.Context, url string, opts ...Option) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.BuildContextWatcherHandler = cancelOnServer
	for _, opt := range opts {
		opt(cfg)
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(20)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	bdb := bun.NewDB(sqldb, pgdialect.New()).WithQueryHook(statementCounter{})
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := bdb.PingContext(pingCtx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return bdb, nil
}

// Ping reports whether the database answers.
func Ping(ctx context.Context, bdb *bun.DB) error {
	return bdb.PingContext(ctx)
}

// IsNoRows reports whether err says a query found no row.
func IsNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}
