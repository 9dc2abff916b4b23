package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockID is the key of the advisory lock that serialises
// migrations when several replicas start at once.
const migrationLockID = 7_366_225_687_269

// newMigrator returns the migrator of the migrations in files. A
// migration is marked applied once it succeeded: Bun marks it before it
// runs unless told otherwise, and a migration that failed was then taken
// for applied, and skipped, by every later run.
func newMigrator(bdb *bun.DB, files fs.FS) (*migrate.Migrator, error) {
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(files); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return migrate.NewMigrator(bdb, migrations, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// withMigrationLock runs fn while holding a session-level advisory lock on
// a dedicated connection (other replicas wait for it), and returns the
// lines fn lists: the migrations it ran, or their status (Migrate returns
// the project's migrations it ran when the job queue's then fail, which the
// migrate command prints all the same).
// Once the lock is held, fn runs to its end whatever becomes of ctx (a
// SIGTERM, say): a migration's transaction commits before Bun marks it
// applied, and a run stopped between the two would leave a migration
// done but not marked, which the next run would try again, and fail.
func withMigrationLock(ctx context.Context, bdb *bun.DB, fn func(context.Context, *migrate.Migrator) ([]string, error)) ([]string, error) {
	conn, err := bdb.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockID); err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockID)
	ctx = context.WithoutCancel(ctx)
	m, err := newMigrator(bdb, migrationFiles)
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if err := checkSquashedHistory(ctx, m); err != nil {
		return nil, err
	}
	return fn(ctx, m)
}

// lastBeforeSquash is the last migration of the history that the one
// baseline, 20261123000001_core (the history's first migration, under
// its name), replaced: a database migrated before the squash and up to
// date then has it applied, and holds the baseline's schema already.
const lastBeforeSquash = "20261205160000_refresh_statistics_growth"

// checkSquashedHistory refuses a database migrated before the squash
// that had not run the whole history: the baseline counts as applied
// there, so none of what it lacks would ever be created. Names applied
// but not known that sort after lastBeforeSquash are no old history but
// a later release's migrations (a replica of this release starting
// beside a newer one), which Bun leaves alone as it always did.
func checkSquashedHistory(ctx context.Context, m *migrate.Migrator) error {
	unknown, err := m.MissingMigrations(ctx)
	if err != nil {
		return fmt.Errorf("migration history: %w", err)
	}
	var last string
	for _, mig := range unknown {
		if mig.Name <= lastBeforeSquash && mig.Name > last {
			last = mig.Name
		}
	}
	if last == "" || last == lastBeforeSquash {
		return nil
	}
	return fmt.Errorf("the database was migrated before this release folded the migrations up to %s into one, "+
		"and only up to %s: migrate it with an earlier release first", lastBeforeSquash, last)
}

// Migrate applies every migration not yet applied and returns their names.
func Migrate(ctx context.Context, bdb *bun.DB) ([]string, error) {
	return withMigrationLock(ctx, bdb, func(ctx context.Context, m *migrate.Migrator) ([]string, error) {
		group, err := m.Migrate(ctx)
		applied, err := migrationNames("migrate", group, err)
		if err != nil {
			return nil, err
		}
		river, err := riverMigrator(bdb)
		if err != nil {
			return applied, err
		}
		res, err := river.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return applied, fmt.Errorf("migrate the job queue: %w", err)
		}
		for _, v := range res.Versions {
			applied = append(applied, riverMigrationName(v.Version, v.Name))
		}
		return applied, nil
	})
}

// riverMigrator migrates the tables of River, the job queue of webhook
// deliveries, which keeps its own migrations and their versions. Rollback
// leaves them: they hold no data of the API's.
func riverMigrator(bdb *bun.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	m, err := rivermigrate.New(riverdatabasesql.New(bdb.DB), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	return m, nil
}

// riverMigrationName names one of River's migrations in the lists of the
// migrate command.
func riverMigrationName(version int, name string) string {
	return fmt.Sprintf("river_%03d_%s", version, name)
}

// Rollback undoes the last group of applied migrations and returns their names.
func Rollback(ctx context.Context, bdb *bun.DB) ([]string, error) {
	return withMigrationLock(ctx, bdb, func(ctx context.Context, m *migrate.Migrator) ([]string, error) {
		group, err := m.Rollback(ctx)
		return migrationNames("rollback", group, err)
	})
}

// migrationNames are the names of the migrations of group, in its order,
// which step (migrate, rollback) returned with err.
func migrationNames(step string, group *migrate.MigrationGroup, err error) ([]string, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	var names []string
	for _, mig := range group.Migrations {
		names = append(names, mig.Name)
	}
	return names, nil
}

// MigrationStatus lists every known migration with whether it is applied.
func MigrationStatus(ctx context.Context, bdb *bun.DB) ([]string, error) {
	return withMigrationLock(ctx, bdb, func(ctx context.Context, m *migrate.Migrator) ([]string, error) {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return nil, fmt.Errorf("migration status: %w", err)
		}
		var lines []string
		for _, mig := range ms {
			lines = append(lines, statusLine(mig.Name, mig.IsApplied()))
		}
		river, err := riverMigrator(bdb)
		if err != nil {
			return lines, err
		}
		// Before River's first migration its table is missing: every
		// version is pending.
		existing, err := river.ExistingVersions(ctx)
		var pgErr *pgconn.PgError
		if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P01") {
			return lines, fmt.Errorf("job queue migration status: %w", err)
		}
		for _, mig := range river.AllVersions() {
			applied := slices.ContainsFunc(existing, func(e rivermigrate.Migration) bool { return e.Version == mig.Version })
			lines = append(lines, statusLine(riverMigrationName(mig.Version, mig.Name), applied))
		}
		return lines, nil
	})
}

// statusLine is the line of MigrationStatus of the migration name.
func statusLine(name string, applied bool) string {
	if applied {
		return name + " applied"
	}
	return name + " pending"
}
