package commands

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

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/metrics"
	"github.com/contacts-api/contacts/service"
)

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
	cfg, err := serveCmd.config(args, production)
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
	if cfg.WithoutEvents {
		store = store.WithoutEvents()
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
	hub := live.NewHub(svc, cfg.Subscriptions)
	go live.Listen(ctx, cfg.DatabaseURL, hub)
	m := metrics.New(bdb.DB)
	// requests is the context of every request. It outlives ctx, so that
	// SIGTERM lets the requests in flight finish, and shutdown ends it for
	// those still running near the end of the drain window.
	requests, cutRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cutRequests()
	servers := []*http.Server{newHTTPServer(cfg.Addr, requests, httpapi.NewHandler(httpapi.Options{
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
		Live:                 hub,
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
