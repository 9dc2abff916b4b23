package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/bench/serverproc"
	"github.com/contacts-api/contacts/db/localpg"
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

// measure starts the servers, registers the receiver as an endpoint of a
// new workspace, writes s.events events and waits until each is delivered.
func measure(ctx context.Context, s settings, d deployment, recv *receiver) (result, error) {
	fmt.Printf("\n%d server process(es), WEBHOOK_WORKERS=%s: ", d.processes, orDefault(s.workers))
	var pprofAddr string
	var servers []*serverproc.Process
	defer func() {
		for _, srv := range servers {
			srv.Stop()
		}
	}()
	for i := range d.processes {
		env := []string{"DATABASE_URL=" + d.dbURL, "JWT_SECRET=" + jwtSecret, "WEBHOOK_ALLOW_PRIVATE=true", "RATE_LIMIT=off"}
		if s.workers != "" {
			env = append(env, "WEBHOOK_WORKERS="+s.workers)
		}
		if i == 0 && s.profile != "" {
			port, err := localpg.FreePort()
			if err != nil {
				return result{}, err
			}
			pprofAddr = fmt.Sprintf("127.0.0.1:%d", port)
			env = append(env, "PPROF_ADDR="+pprofAddr)
		}
		srv, err := serverproc.Start(ctx, serverproc.Server{
			Name: fmt.Sprintf("server-%d", i), Dir: d.dir, Binary: d.bin, Args: []string{"serve"}, Env: env, Ready: "/readyz",
		})
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
	err = post(ctx, servers[0].URL, token, `mutation($url: String!) { createWebhookEndpoint(input: {url: $url, eventTypes: [CONTACT_CREATED]}) {
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
func writeEvents(ctx context.Context, servers []*serverproc.Process, token string, events int) error {
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
			err := post(ctx, servers[b%len(servers)].URL, token, `mutation($inputs: [UpsertContactInput!]!) {
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

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func orDefault(workers string) string {
	if workers == "" {
		return "default"
	}
	return workers
}
