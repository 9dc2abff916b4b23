package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/contacts-api/contacts/auth"
)

// jwtSecret signs the benchmark's token; its servers verify with it.
const jwtSecret = "bench-webhooks-secret-0123456789abcdef"

// batchSize is how many contacts one bulkUpsertContacts call writes (the
// most one call may), and writers how many calls run at once.
const (
	batchSize = 1000
	writers   = 2
)

// Limits of a run: it fails when no new delivery arrives for stall, and
// waits settle after the last one for duplicates.
const (
	stall  = time.Minute
	settle = 3 * time.Second
	// profileSeconds is how long the CPU profile of -profile lasts.
	profileSeconds = 10
)

// deployment is what one run measures: processes servers of binary bin on
// the database at dbURL.
type deployment struct {
	bin, dir, dbURL string
	processes       int
}

// server is a server process the run started.
type server struct {
	cmd  *exec.Cmd
	url  string
	log  string
	done chan error
}

// measure starts the servers, registers the receiver as an endpoint of a
// new workspace, writes s.events events and waits until each is delivered.
func measure(ctx context.Context, s settings, d deployment, recv *receiver) (result, error) {
	fmt.Printf("\n%d server process(es), WEBHOOK_WORKERS=%s: ", d.processes, orDefault(s.workers))
	var pprofAddr string
	var servers []*server
	defer func() {
		for _, srv := range servers {
			srv.stop()
		}
	}()
	for i := range d.processes {
		env := []string{"DATABASE_URL=" + d.dbURL, "JWT_SECRET=" + jwtSecret, "WEBHOOK_ALLOW_PRIVATE=true", "RATE_LIMIT=off"}
		if s.workers != "" {
			env = append(env, "WEBHOOK_WORKERS="+s.workers)
		}
		if i == 0 && s.profile != "" {
			port, err := freePort()
			if err != nil {
				return result{}, err
			}
			pprofAddr = fmt.Sprintf("127.0.0.1:%d", port)
			env = append(env, "PPROF_ADDR="+pprofAddr)
		}
		srv, err := startServer(ctx, d, i, env)
		if err != nil {
			return result{}, err
		}
		servers = append(servers, srv)
	}
	token, err := auth.Mint([]byte(jwtSecret), auth.TokenRequest{
		WorkspaceID: uuid.New(), Scope: auth.ScopeWrite + " " + auth.ScopeWebhooksAdmin, Subject: "bench-webhooks", TTL: time.Hour,
	})
	if err != nil {
		return result{}, err
	}
	var created struct {
		CreateWebhookEndpoint struct {
			Secret     string
			UserErrors []struct{ Message string }
		}
	}
	err = post(ctx, servers[0].url, token, `mutation($url: String!) { createWebhookEndpoint(input: {url: $url, eventTypes: [CONTACT_CREATED]}) {
		secret userErrors { message } } }`, map[string]any{"url": recv.url}, &created)
	if err == nil && created.CreateWebhookEndpoint.Secret == "" {
		err = fmt.Errorf("createWebhookEndpoint: %+v", created.CreateWebhookEndpoint.UserErrors)
	}
	if err == nil {
		err = recv.expect(created.CreateWebhookEndpoint.Secret)
	}
	if err != nil {
		return result{}, err
	}

	profiled := make(chan error, 1)
	if pprofAddr != "" {
		go func() {
			out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-proto", "-output", s.profile,
				fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, profileSeconds)).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("%w\n%s", err, out)
			}
			profiled <- err
		}()
	}
	start := time.Now()
	if err := writeEvents(ctx, servers, token, s.events); err != nil {
		return result{}, err
	}
	written := time.Since(start)
	atWritten := recv.tally()
	fmt.Printf("wrote %d events in %.1fs; delivering", s.events, written.Seconds())
	t, err := awaitDeliveries(ctx, recv, s.events)
	if err != nil {
		return result{}, err
	}
	fmt.Println()
	if pprofAddr != "" {
		if err := <-profiled; err != nil {
			return result{}, fmt.Errorf("profile: %w", err)
		}
		fmt.Printf("wrote the CPU profile of the first server to %s\n", s.profile)
	}
	r := result{
		Processes: d.processes, Workers: s.workers, Events: s.events, WriteSeconds: written.Seconds(),
		Delivered: t.distinct, Duplicates: t.total - t.distinct,
		LatencyP50ms: milliseconds(t.p50), LatencyP99ms: milliseconds(t.p99),
		SignaturesVerified: t.verified, BadSignatures: t.badSignatures, Connections: t.connections,
	}
	if span := t.last.Sub(t.first); span > 0 {
		r.DeliveriesPerSecond = float64(t.total-1) / span.Seconds()
	}
	if span := t.last.Sub(atWritten.last); span > 0 && !atWritten.last.IsZero() {
		r.AfterWritesPerSecond = float64(t.total-atWritten.total) / span.Seconds()
	}
	if t.malformed > 0 {
		return r, fmt.Errorf("%d deliveries had no event timestamp", t.malformed)
	}
	return r, nil
}

// writeEvents creates events contacts with bulkUpsertContacts, batchSize
// a call, writers calls at once, spread over the servers.
func writeEvents(ctx context.Context, servers []*server, token string, events int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(writers)
	for b := range events / batchSize {
		g.Go(func() error {
			inputs := make([]map[string]any, batchSize)
			for i := range inputs {
				n := b*batchSize + i
				inputs[i] = map[string]any{"externalId": fmt.Sprint("bench-webhooks-", n), "name": fmt.Sprint("Webhook Contact ", n)}
			}
			var out struct {
				BulkUpsertContacts struct {
					Results []struct{ Created bool }
				}
			}
			err := post(ctx, servers[b%len(servers)].url, token, `mutation($inputs: [UpsertContactInput!]!) {
				bulkUpsertContacts(inputs: $inputs) { results { created } } }`, map[string]any{"inputs": inputs}, &out)
			if err != nil {
				return err
			}
			for _, r := range out.BulkUpsertContacts.Results {
				if !r.Created {
					return errors.New("bulkUpsertContacts did not create every contact")
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// awaitDeliveries waits until the receiver has every event, then settle
// longer for duplicates.
func awaitDeliveries(ctx context.Context, recv *receiver, events int) (tally, error) {
	last, progressed := 0, time.Now()
	for {
		t := recv.tally()
		switch {
		case t.distinct >= events:
			select {
			case <-ctx.Done():
				return t, ctx.Err()
			case <-time.After(settle):
			}
			return recv.tally(), nil
		case t.distinct > last:
			last, progressed = t.distinct, time.Now()
		case time.Since(progressed) > stall:
			return t, fmt.Errorf("%d of %d events delivered, none more for %s", t.distinct, events, stall)
		}
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// post sends a GraphQL document and decodes its data into out; GraphQL
// errors are an error.
func post(ctx context.Context, url, token, query string, variables map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if len(answer.Errors) > 0 {
		return fmt.Errorf("GraphQL errors: %+v", answer.Errors)
	}
	return json.Unmarshal(answer.Data, out)
}

// startServer starts server number i of d with env on a free port and
// waits until it is ready.
func startServer(ctx context.Context, d deployment, i int, env []string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	srv := &server{url: "http://" + addr, log: filepath.Join(d.dir, fmt.Sprintf("server-%d.log", i)), done: make(chan error, 1)}
	logFile, err := os.Create(srv.log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	srv.cmd = exec.CommandContext(ctx, d.bin, "serve")
	srv.cmd.Env = append(append(os.Environ(), env...), "ADDR="+addr)
	srv.cmd.Stdout, srv.cmd.Stderr = logFile, logFile
	// The servers die with the benchmark, even when it is killed.
	srv.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	srv.cmd.Cancel = func() error { return srv.cmd.Process.Signal(syscall.SIGTERM) }
	if err := srv.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { srv.done <- srv.cmd.Wait() }()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if resp, err := http.Get(srv.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv, nil
			}
		}
		select {
		case err := <-srv.done:
			srv.done <- err
			return nil, fmt.Errorf("server %d exited: %v\n%s", i, err, srv.logTail())
		case <-ctx.Done():
			srv.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	srv.stop()
	return nil, fmt.Errorf("server %d was not ready within a minute\n%s", i, srv.logTail())
}

// stop asks the server to stop, and kills it after 30 s.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.log)
	return string(b[max(0, len(b)-2000):])
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func orDefault(workers string) string {
	if workers == "" {
		return "default"
	}
	return workers
}
