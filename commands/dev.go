package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/localpg"
	"github.com/contacts-api/contacts/service"
)

// devDir holds what `make run` keeps between runs: the private database
// cluster, the development signing secret and workspace. It is git-ignored.
const devDir = ".data"

var devCmd = command{
	name:     "dev",
	synopsis: "dev",
	about: `Serves the API for development (what make run does). When DATABASE_URL is
unset it starts a private PostgreSQL cluster under .data/postgres, stopped on
exit. It adds sample data to an empty development workspace, prints a token for
that workspace and fills it into the playground. Without JWT_SECRET it signs
with a secret kept in .data/jwt-secret; without CORS_ALLOWED_ORIGINS it allows
http://localhost:* and http://127.0.0.1:*.
` + environmentHelp,
}

func devCommand(ctx context.Context, args []string) error {
	cfg, err := devCmd.config(args, development)
	if err != nil {
		return err
	}
	if len(cfg.Auth.Secret) == 0 {
		if cfg.Auth.Secret, err = persistedSecret(filepath.Join(devDir, "jwt-secret")); err != nil {
			return err
		}
	}
	if err := checkAddrFree(cfg.Addr); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		cluster, err := startDevDatabase(ctx)
		if err != nil {
			return err
		}
		defer stopDevDatabase(cluster)
		cfg.DatabaseURL = cluster.URL("contacts")
	}
	ws, err := persistedWorkspace(filepath.Join(devDir, "workspace"))
	if err != nil {
		return err
	}
	token, err := auth.Mint(cfg.Auth.Secret, auth.TokenRequest{
		WorkspaceID: ws, Scope: strings.Join(auth.Scopes, " "), Subject: "dev",
		Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience, TTL: 30 * 24 * time.Hour,
	})
	if err != nil {
		return err
	}
	return serve(ctx, cfg, serveOptions{
		playgroundToken: token,
		prepare:         func(ctx context.Context, svc *service.Service) error { return seedWorkspace(ctx, svc, ws) },
		onReady:         func(listening) { printWelcome(cfg.Addr, cfg.DatabaseURL, token) },
	})
}

// seedWorkspace adds the sample data to an empty development workspace
// and says so.
func seedWorkspace(ctx context.Context, svc *service.Service, ws uuid.UUID) error {
	n, err := addSampleData(ctx, svc, ws)
	if err != nil {
		return fmt.Errorf("add sample data: %w", err)
	}
	if n > 0 {
		fmt.Printf("The development workspace had no contacts: added %d sample contacts in %d accounts.\n", n, len(sampleAccounts))
	}
	return nil
}

func startDevDatabase(ctx context.Context) (*localpg.Cluster, error) {
	cluster, err := localpg.Start(ctx, filepath.Join(devDir, "postgres"))
	if err != nil {
		return nil, err
	}
	err = cluster.CreateDatabase(ctx, "contacts", "")
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		cluster.Stop()
		return nil, err
	}
	return cluster, nil
}

// stopDevDatabase stops the development cluster and says so, since its
// server outlives a process that does not stop it.
func stopDevDatabase(cluster *localpg.Cluster) {
	if err := cluster.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "The development PostgreSQL did not stop: %v\n", err)
		return
	}
	fmt.Fprintf(os.Stderr, "Stopped the development PostgreSQL; its data stays in %s.\n", cluster.Dir)
}

// databaseURL sets cfg.DatabaseURL, when DATABASE_URL is unset, to the
// development cluster's (what make run serves), starting it if it is not
// running. release stops a cluster that databaseURL started, and leaves one
// that was running, such as make run's, as it was.
func databaseURL(ctx context.Context, cfg *config) (release func(), err error) {
	if cfg.DatabaseURL != "" {
		return func() {}, nil
	}
	fmt.Fprintf(os.Stderr, "DATABASE_URL is unset: using the development database in %s.\n", filepath.Join(devDir, "postgres"))
	cluster, err := startDevDatabase(ctx)
	if err != nil {
		return nil, err
	}
	cfg.DatabaseURL = cluster.URL("contacts")
	if cluster.Reused {
		return func() {}, nil
	}
	return func() { stopDevDatabase(cluster) }, nil
}

// checkAddrFree fails early, before the database is started, when the
// address to serve on is taken, and says how to choose another.
func checkAddrFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on ADDR %s (%w): is another server running there? Choose another address, such as ADDR=:8081 make run", addr, err)
	}
	return l.Close()
}

func printWelcome(addr, databaseURL, token string) {
	host := addr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	fmt.Printf(`
Contacts API (development)
  Playground: http://%[1]s/   (the token below is already filled in)
  Endpoint:   http://%[1]s/graphql
  Database:   %[3]s
              (server apikey, seed and migrate use it too when DATABASE_URL is unset)

Development token (workspace in .data/workspace, valid 30 days):
  %[2]s

Try:
  curl -s http://%[1]s/graphql -H 'Authorization: Bearer %[2]s' \
    -H 'Content-Type: application/json' -d '{"query":"{ contacts(first: 5) { nodes { id name } } }"}'

`, host, token, databaseURL)
}

// persistedSecret returns the development signing secret, made once.
func persistedSecret(path string) ([]byte, error) {
	s, err := persisted(path, func() string {
		b := make([]byte, 32)
		rand.Read(b)
		return hex.EncodeToString(b)
	})
	return []byte(s), err
}

// persistedWorkspace returns the development workspace, made once.
func persistedWorkspace(path string) (uuid.UUID, error) {
	s, err := persisted(path, func() string { return uuid.NewString() })
	if err != nil {
		return uuid.Nil, err
	}
	return parseWorkspace(s)
}

// persisted reads a value kept in path, or makes and keeps it.
func persisted(path string, make func() string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	v := make()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return v, os.WriteFile(path, []byte(v+"\n"), 0o600)
}
