package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"
)

// profile writes the server's CPU and allocation profiles while the load
// generator runs c, through the server's pprof listener.
func (b *bench) profile(ctx context.Context, c benchCase) error {
	file, err := writeRequests(b.dir, c.graphql)
	if err != nil {
		return err
	}
	if _, err := b.loadgen(ctx, b.server, file, b.clients(c), warmup(b.duration, true)); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if err := os.MkdirAll(b.resultsDir, 0o755); err != nil {
		return err
	}
	seconds := max(1, int(b.duration.Seconds())-1)
	profiles := map[string]string{
		"cpu.pprof":    fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds),
		"allocs.pprof": fmt.Sprintf("/debug/pprof/allocs?seconds=%d", seconds),
	}
	fmt.Printf("\nprofiling the server under %s for %ds\n", c.name, seconds)
	g, gctx := errgroup.WithContext(ctx)
	for name, path := range profiles {
		g.Go(func() error { return b.download(gctx, path, filepath.Join(b.resultsDir, name)) })
	}
	g.Go(func() error {
		res, err := b.loadgen(gctx, b.server, file, b.clients(c), b.duration)
		if err == nil {
			fmt.Printf("%s: %.1f requests/s, p50 %.2f ms, p99 %.2f ms\n", c.name, res.RPS, res.P50Ms, res.P99Ms)
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	for name := range profiles {
		fmt.Printf("wrote %s\n", filepath.Join(b.resultsDir, name))
	}
	fmt.Printf("read them with: go tool pprof -top %s\n", filepath.Join(b.resultsDir, "cpu.pprof"))
	return nil
}

// download saves a profile from the server's pprof listener.
func (b *bench) download(ctx context.Context, path, dest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.pprofURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	f, err := os.Create(dest)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
