package commands

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
)

var migrateCmd = command{
	name:     "migrate",
	synopsis: "migrate [up|down|status]",
	about: `up applies the pending migrations (the default), down undoes the last group
applied, status lists them all, in the database at DATABASE_URL, or in the
development database under .data/postgres (what make run serves) when it is
unset.
`,
	maxArgs: 1,
}

func migrateCommand(ctx context.Context, args []string) error {
	fs := migrateCmd.flagSet()
	positional, err := migrateCmd.parse(fs, args)
	if err != nil {
		return err
	}
	action := "up"
	if len(positional) > 0 {
		action = positional[0]
	}
	migration, ok := migrations[action]
	if !ok {
		return usageError(fs, fmt.Errorf("unknown migrate action %q", action))
	}
	cfg, err := loadConfig(production)
	if err != nil {
		return err
	}
	release, err := databaseURL(ctx, &cfg)
	if err != nil {
		return err
	}
	defer release()
	bdb, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer bdb.Close()
	lines, err := migration(ctx, bdb)
	for _, l := range lines {
		fmt.Println(l)
	}
	return err
}

// migrations are the migrate command's actions.
var migrations = map[string]func(context.Context, *bun.DB) ([]string, error){
	"up":     db.Migrate,
	"down":   db.Rollback,
	"status": db.MigrationStatus,
}
