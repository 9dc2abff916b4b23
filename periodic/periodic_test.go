package periodic_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/contacts-api/contacts/periodic"
)

// TestRunCallsTheTaskWhenWokenAndStopsWithItsContext: a wake runs the
// task at once, whatever the interval, and Run returns when its context
// ends.
func TestRunCallsTheTaskWhenWokenAndStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	wake := make(chan os.Signal)
	calls := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		periodic.Run(ctx, time.Hour, wake, func(context.Context) { calls <- struct{}{} })
	}()
	for range 2 {
		wake <- syscall.SIGHUP
		<-calls
	}
	cancel()
	<-returned
}

// TestRunCallsTheTaskEveryInterval: without a wake, the ticker alone
// runs the task, again and again.
func TestRunCallsTheTaskEveryInterval(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := make(chan struct{})
	go periodic.Run(ctx, time.Millisecond, nil, func(ctx context.Context) {
		select {
		case calls <- struct{}{}:
		case <-ctx.Done():
		}
	})
	for range 3 {
		<-calls
	}
}
