package commands

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
)

// databaseFor opens the database of a command that needs it, migrated:
// DATABASE_URL's, or the development cluster's when it is unset (see
// databaseURL). Commands run without the timeouts of requests: seed's
// statements run long. done closes it and stops a cluster it started.
func databaseFor(ctx context.Context) (bdb *bun.DB, done func(), err error) {
	cfg, err := loadConfig(production)
	if err != nil {
		return nil, nil, err
	}
	release, err := databaseURL(ctx, &cfg)
	if err != nil {
		return nil, nil, err
	}
	if bdb, err = openDatabase(ctx, cfg, db.Open); err != nil {
		release()
		return nil, nil, err
	}
	return bdb, func() { bdb.Close(); release() }, nil
}

// openAPIDatabase returns the pool the API serves with: with the
// timeouts of requests, and connections for PoolSize requests and the
// server's own work, on the database migrated first when MIGRATE_ON_START
// says so, running its queries as db.APIRole when ROW_LEVEL_SECURITY is
// on, and as DATABASE_URL's role, which must bypass row-level security,
// when it is off.
func openAPIDatabase(ctx context.Context, cfg config) (*bun.DB, error) {
	open := db.OpenAPI
	if !cfg.RowSecurity {
		slog.Warn("row-level security off (ROW_LEVEL_SECURITY=off): the workspace filters of the queries are the one wall between workspaces")
		open = db.OpenBypassing
	}
	bdb, err := openDatabase(ctx, cfg, open, db.WithTimeouts(cfg.DatabaseTimeouts))
	if err != nil {
		return nil, err
	}
	bdb.SetMaxOpenConns(cfg.PoolSize + db.PoolHeadroom)
	bdb.SetMaxIdleConns(cfg.PoolSize + db.PoolHeadroom)
	if !cfg.RowSecurity {
		return bdb, nil
	}
	if usable, err := db.SearchIndexesUsable(ctx, bdb); err != nil || !usable {
		slog.Warn("search and contains filters scan every record of a workspace: the owner of the tables does not bypass row-level security (see docs/security.md, Tenant isolation)", "error", err)
	}
	return bdb, nil
}

// openDatabase opens the database at DATABASE_URL with open and opts,
// after applying the pending migrations when MIGRATE_ON_START says so.
func openDatabase(ctx context.Context, cfg config, open func(context.Context, string, ...db.Option) (*bun.DB, error), opts ...db.Option) (*bun.DB, error) {
	if cfg.MigrateOnStart {
		if err := migrateOnStart(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	return open(ctx, cfg.DatabaseURL, opts...)
}

// migrateOnStart applies the pending migrations on a pool of their own,
// without the timeouts of requests: building an index on a big table, or
// waiting for another replica's migrations, may take minutes.
func migrateOnStart(ctx context.Context, url string) error {
	bdb, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer bdb.Close()
	applied, err := db.Migrate(ctx, bdb)
	if len(applied) > 0 {
		slog.Info("applied migrations", "migrations", applied)
	}
	return err
}
