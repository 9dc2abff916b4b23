// Command server runs the contacts GraphQL API.
//
//	server [serve]            serve the API (the default)
//	server dev                serve with a private local database and a printed token
//	server migrate [up|down|status]
//	server token --workspace <uuid> --scope "contacts:read contacts:write" --ttl 24h
//	server apikey create --workspace <uuid> --name "CRM sync" --scope "contacts:read contacts:write"
//	server seed --workspace <uuid> --contacts N --accounts M
//	server help [command]     or --help after any command
//
// It exits with 0 on success, 1 on failure and 2 after a mistake on the
// command line.
package main

//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go tool genqlient client/genqlient.yaml

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/metrics"
	"github.com/contacts-api/contacts/service"
)

func main() {
	slog.SetDefault(slog.New(logHandler(os.Stderr)))
	os.Exit(exitCode(run(os.Args[1:])))
}

// logHandler writes the log as JSON lines for a log collector, or as text
// when a person watches it on a terminal.
func logHandler(f *os.File) slog.Handler {
	if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		return slog.NewTextHandler(f, nil)
	}
	return slog.NewJSONHandler(f, nil)
}

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
	case "apikey":
		return apikeyCommand(ctx, args)
	case "seed":
		return seedCommand(ctx, args)
	case "check-phones":
		return checkPhonesCommand(ctx, args)
	case "help", "-h", "-help", "--help":
		if len(args) > 0 {
			return run([]string{args[0], "--help"})
		}
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage, "\n")
	return badUsage(fmt.Errorf("unknown command %q", cmd))
}

var serveCmd = command{
	name:     "serve",
	synopsis: "serve",
	about: `Serves the API: POST /graphql (and GET for queries), the playground at /,
/healthz and /readyz, and /metrics on METRICS_ADDR when it is set (never on
ADDR), until SIGTERM or SIGINT, and logs a line for each request. It needs DATABASE_URL,
and JWT_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE.
` + environmentHelp,
}

func serveCommand(ctx context.Context, args []string) error {
	if _, err := serveCmd.parse(serveCmd.flagSet(), args); err != nil {
		return err
	}
	cfg, err := loadConfig(production)
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
	// prepare runs once the database is ready, before the server listens.
	prepare func(context.Context, *service.Service) error
	// onReady runs once the server listens.
	onReady func(listening)
}

// listening says where the server listens.
type listening struct {
	// api serves the API; metrics serves GET /metrics, and is nil when
	// METRICS_ADDR is unset.
	api, metrics net.Addr
}

// serve runs the API until ctx is done, then drains in-flight requests.
func serve(ctx context.Context, cfg config, opts serveOptions) error {
	raiseProcs()
	verifier, err := auth.NewVerifier(cfg.Auth)
	if err != nil {
		return err
	}
	bdb, err := openAPIDatabase(ctx, cfg)
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
	store := db.NewStore(bdb)
	if !cfg.RowSecurity {
		store = store.WithoutRowSecurity()
	}
	svc := service.New(store)
	if cfg.EventRetention > 0 { // loadConfig's always is; a test's may be unset
		svc.SetEventRetention(cfg.EventRetention)
	}
	svc.AllowPrivateWebhooks(cfg.WebhookAllowPrivate)
	// Deferred after bdb.Close, so it runs before: the service's last
	// writes need the database.
	defer svc.Close()
	if opts.prepare != nil {
		if err := opts.prepare(ctx, svc); err != nil {
			return err
		}
	}
	go svc.SweepIdempotencyKeys(ctx, 10*time.Minute)
	go svc.PruneEvents(ctx, time.Minute)
	if cfg.WebhookWorkers > 0 {
		stopWebhooks, err := startWebhooks(ctx, cfg, store)
		if err != nil {
			return err
		}
		defer stopWebhooks()
	}
	go verifier.WatchJWKS(ctx, jwksCheckInterval, notifyHangup(ctx))
	m := metrics.New(bdb.DB)
	// requests is the context of every request. It outlives ctx, so that
	// SIGTERM lets the requests in flight finish, and shutdown ends it for
	// those still running near the end of the drain window.
	requests, cutRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cutRequests()
	servers := []*http.Server{newHTTPServer(cfg.Addr, requests, graph.NewHandler(graph.Options{
		Service:              svc,
		Limits:               cfg.Limits,
		Verifier:             verifier,
		Playground:           cfg.Playground,
		PlaygroundToken:      opts.playgroundToken,
		AllowedOrigins:       cfg.AllowedOrigins,
		TrustedProxies:       cfg.TrustedProxies,
		RateLimits:           cfg.RateLimits,
		DisableIntrospection: !cfg.Introspection,
		Metrics:              m,
	}))}
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		servers = append(servers, newHTTPServer(cfg.MetricsAddr, requests, mux))
	}
	listeners, err := listen(servers)
	if err != nil {
		return err
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	at := listening{api: listeners[0].Addr()}
	if len(listeners) > 1 {
		at.metrics = listeners[1].Addr()
		slog.Info("serving metrics", "addr", at.metrics.String())
	}
	slog.Info("serving", "addr", at.api.String())
	if opts.onReady != nil {
		opts.onReady(at)
	}
	select {
	case err := <-errc:
		shutdown(servers, cfg.DrainTimeout, cutRequests)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	slog.Info("shutting down: draining in-flight requests", "timeout", cfg.DrainTimeout.String())
	return shutdown(servers, cfg.DrainTimeout, cutRequests)
}

// newHTTPServer returns a server of h whose requests' contexts derive
// from requests.
func newHTTPServer(addr string, requests context.Context, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		BaseContext:       func(net.Listener) context.Context { return requests },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

// listen opens the servers' listeners, all or none.
func listen(servers []*http.Server) ([]net.Listener, error) {
	var listeners []net.Listener
	for _, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w", srv.Addr, err)
		}
		listeners = append(listeners, ln)
	}
	return listeners, nil
}

// cutGrace is how long before the end of the drain window the requests
// still running are cut: time for their statements to be cancelled and
// for them to answer.
const cutGrace = time.Second

// shutdown stops the servers together: they refuse new connections at
// once, and the requests in flight have until timeout to finish. Those
// still running cutGrace before it (half way, in a window shorter than
// two cutGraces) are cut: cut ends their contexts, which cancels their
// statements in PostgreSQL and rolls their transactions back, and they
// answer INTERNAL. Without that, the process would exit while their
// statements still ran in PostgreSQL, waiting for a client that is gone.
func shutdown(servers []*http.Server, timeout time.Duration, cut context.CancelFunc) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cutAt := max(timeout-cutGrace, timeout/2)
	cutter := time.AfterFunc(cutAt, func() {
		slog.Warn("shutting down: cutting the requests still running", "after", cutAt.String())
		cut()
	})
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() { errs[i] = srv.Shutdown(ctx) })
	}
	wg.Wait()
	if !cutter.Stop() {
		errs = append(errs, fmt.Errorf("requests still running %s after the signal were cut (SHUTDOWN_TIMEOUT is %s)", cutAt, timeout))
	}
	return errors.Join(errs...)
}

// jwksCheckInterval is how often the server looks for a changed
// JWT_JWKS_FILE; SIGHUP makes it look at once.
const jwksCheckInterval = 10 * time.Second

// notifyHangup returns a channel that receives SIGHUP until ctx ends.
func notifyHangup(ctx context.Context) <-chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	context.AfterFunc(ctx, func() { signal.Stop(hup) })
	return hup
}

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
// timeouts of requests, on the database migrated first when
// MIGRATE_ON_START says so, running its queries as db.APIRole when
// ROW_LEVEL_SECURITY is on, and as DATABASE_URL's role, which must bypass
// row-level security, when it is off.
func openAPIDatabase(ctx context.Context, cfg config) (*bun.DB, error) {
	timeouts := db.WithTimeouts(cfg.DatabaseTimeouts)
	if !cfg.RowSecurity {
		slog.Warn("row-level security off (ROW_LEVEL_SECURITY=off): the workspace filters of the queries are the one wall between workspaces")
		return openDatabase(ctx, cfg, db.OpenBypassing, timeouts)
	}
	bdb, err := openDatabase(ctx, cfg, db.OpenAPI, timeouts)
	if err != nil {
		return nil, err
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

var tokenCmd = command{
	name:     "token",
	synopsis: "token --workspace <uuid> [--scope <scopes>] [--subject <name>] [--ttl <duration>]",
	about: `Prints a token for the workspace, signed with JWT_SECRET (HS256), with
JWT_ISSUER and JWT_AUDIENCE as claims when they are set. For development and
tests: in production your identity provider signs the tokens.
`,
}

func tokenCommand(args []string) error {
	fs := tokenCmd.flagSet()
	workspace := fs.String("workspace", "", "the workspace (tenant) UUID the token gives access to (required)")
	scope := fs.String("scope", auth.ScopeRead+" "+auth.ScopeWrite, "space-separated scopes")
	subject := fs.String("subject", "dev", "the token's subject (sub claim)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if _, err := tokenCmd.parse(fs, args); err != nil {
		return err
	}
	ws, err := parseWorkspace(*workspace)
	if err != nil {
		return usageError(fs, err)
	}
	cfg, err := loadConfig(production)
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
