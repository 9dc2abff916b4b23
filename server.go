// Command server runs the contacts GraphQL API.
//
//	server [serve]            serve the API (the default)
//	server dev                serve with a private local database and a printed token
//	server migrate [up|down|status]
//	server token --workspace <uuid> --scope "contacts:read contacts:write" --ttl 24h
//	server apikey create --workspace <uuid> --name "CRM sync" --scope "contacts:read contacts:write"
//	server seed --workspace <uuid> --contacts N --accounts M
//	server check-phones       list the stored phone numbers that are not valid
//	server help [command]     or --help after any command
//
// It exits with 0 on success, 1 on failure and 2 after a mistake on the
// command line. The commands live in package commands, one file each.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/contacts-api/contacts/commands"
)

func main() {
	slog.SetDefault(slog.New(logHandler(os.Stderr)))
	// SIGTERM and SIGINT end the context: serve drains its requests, the
	// other commands stop their work.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := commands.Run(ctx, os.Args[1:])
	stop()
	os.Exit(commands.ExitCode(err))
}

// logHandler writes the log as JSON lines for a log collector, or as text
// when a person watches it on a terminal.
func logHandler(f *os.File) slog.Handler {
	if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		return slog.NewTextHandler(f, nil)
	}
	return slog.NewJSONHandler(f, nil)
}
