// Command server runs the contacts GraphQL API.
//
//	server [serve]            serve the API (the default)
//	server dev                serve with a private local database and a printed token
//	server migrate [up|down|status]
//	server token --workspace <uuid> --scope "contacts:read contacts:write" --ttl 24h
//	server seed --workspace <uuid> --contacts N --accounts M
package main

//go:generate go tool gqlgen generate --config gqlgen.yml

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/service"
)

// errUsage marks a command line mistake: exit code 2.
var errUsage = errors.New("usage")

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	err := run(os.Args[1:])
	switch {
	case err == nil:
	case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

const usage = `Usage: server <command> [flags]

Commands:
  serve      serve the API (the default when no command is given)
  dev        serve for development: a private PostgreSQL under .data/ when
             DATABASE_URL is unset, and a printed token for the playground
  migrate    apply (up, the default), undo the last (down) or list (status) migrations
  token      mint a development token signed with JWT_SECRET
  seed       fill a workspace with generated accounts, contacts and phones

Run "server <command> -h" for a command's flags. Configuration comes from
the environment; see README.md.
`

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		return serveCommand(ctx, args)
	case "dev":
		return devCommand(ctx, args)
	case "migrate":
		return migrateCommand(ctx, args)
	case "token":
		return tokenCommand(args)
	case "seed":
		return seedCommand(ctx, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

func serveCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set; use `make run` (server dev) for a private local database")
	}
	return serve(ctx, cfg, serveOptions{})
}

// serveOptions are what development adds to serving.
type serveOptions struct {
	// playgroundToken is filled into the playground; development only.
	playgroundToken string
	// onReady runs once the server listens.
	onReady func()
}

// serve runs the API until ctx is done, then drains in-flight requests.
func serve(ctx context.Context, cfg config, opts serveOptions) error {
	verifier, err := auth.NewVerifier(cfg.Auth)
	if err != nil {
		return err
	}
	bdb, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer bdb.Close()
	if cfg.PprofAddr != "" {
		profiles, err := startProfiling(cfg.PprofAddr)
		if err != nil {
			return err
		}
		defer profiles.Close()
	}
	handler := graph.NewHandler(graph.Options{
		Service:         service.New(db.NewStore(bdb)),
		Verifier:        verifier,
		PlaygroundToken: opts.playgroundToken,
	})
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	slog.Info("serving", "addr", cfg.Addr)
	if opts.onReady != nil {
		opts.onReady()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	slog.Info("shutting down: draining in-flight requests", "timeout", cfg.DrainTimeout.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	return srv.Shutdown(drainCtx)
}

func openDatabase(ctx context.Context, cfg config) (*bun.DB, error) {
	bdb, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.MigrateOnStart {
		applied, err := db.Migrate(ctx, bdb)
		if err != nil {
			bdb.Close()
			return nil, err
		}
		if len(applied) > 0 {
			slog.Info("applied migrations", "migrations", applied)
		}
	}
	return bdb, nil
}

func migrateCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: server migrate [up|down|status]\n\nup applies pending migrations (the default), down undoes the last group, status lists them.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	action := fs.Arg(0)
	if action == "" {
		action = "up"
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	bdb, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer bdb.Close()
	var lines []string
	switch action {
	case "up":
		lines, err = db.Migrate(ctx, bdb)
	case "down":
		lines, err = db.Rollback(ctx, bdb)
	case "status":
		lines, err = db.MigrationStatus(ctx, bdb)
	default:
		fs.Usage()
		return fmt.Errorf("%w: unknown migrate action %q", errUsage, action)
	}
	for _, l := range lines {
		fmt.Println(l)
	}
	return err
}

func tokenCommand(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	workspace := fs.String("workspace", "", "the workspace (tenant) UUID the token gives access to (required)")
	scope := fs.String("scope", auth.ScopeRead+" "+auth.ScopeWrite, "space-separated scopes")
	subject := fs.String("subject", "dev", "the token's subject (sub claim)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ws, err := parseWorkspace(*workspace)
	if err != nil {
		fs.Usage()
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if len(cfg.Auth.Secret) == 0 {
		return errors.New("JWT_SECRET is not set: the token command signs with it")
	}
	token, err := auth.Mint(cfg.Auth.Secret, auth.TokenRequest{
		WorkspaceID: ws, Scope: *scope, Subject: *subject,
		Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience, TTL: *ttl,
	})
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}
