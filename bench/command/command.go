// Package command is what the main of every benchmark command does (make
// bench's driver, the load generator, bench-webhooks): run its work under
// a context that SIGINT and SIGTERM end, and end the process with status
// 1 and the error, named for the command, when the work fails.
package command

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Main runs run with a context that SIGINT and SIGTERM end; when run
// fails, it prints the error after name and exits with status 1.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
