// Package periodic runs the server's background tasks (pruning events,
// sweeping idempotency keys, relaying webhook deliveries, reloading a
// JWKS file) at an interval until the server stops, so that each task's
// package holds only the task.
package periodic

import (
	"context"
	"os"
	"time"
)

// Run calls task every interval, and whenever wake receives (a reload
// asked for by SIGHUP; a nil wake never receives), until ctx ends. A call
// of task that outlasts the interval delays the next one: calls never
// overlap.
func Run(ctx context.Context, interval time.Duration, wake <-chan os.Signal, task func(context.Context)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-wake:
		}
		task(ctx)
	}
}
