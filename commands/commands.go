// Package commands holds the server binary's commands, one file each:
// serve (serve.go), dev (dev.go, with its sample data in devsample.go),
// migrate, token, apikey, seed, check-phones (checkphones.go) and help
// (help.go, which also holds the usage text). What they share has a file
// of its own: reading the environment (config.go), parsing flags and
// exit codes (flags.go), and opening the database (database.go).
package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Exit codes of the binary.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Run runs the command that args name (serve when they name none) until
// it is done or ctx ends, and returns its error for ExitCode.
func Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if run, ok := commandRuns[cmd]; ok {
		return run(ctx, args)
	}
	if helpNames[cmd] {
		// help runs the command it is asked about, with --help.
		return helpCommand(ctx, args)
	}
	fmt.Fprint(os.Stderr, usage, "\n")
	return badUsage(fmt.Errorf("unknown command %q", cmd))
}

// commandRuns are the commands by the names that pick them, but help.
var commandRuns = map[string]func(context.Context, []string) error{
	"serve":        serveCommand,
	"dev":          devCommand,
	"migrate":      migrateCommand,
	"token":        tokenCommand,
	"apikey":       apikeyCommand,
	"seed":         seedCommand,
	"check-phones": checkPhonesCommand,
}

// helpNames pick the help, which is no entry of commandRuns: it runs the
// command it shows the help of.
var helpNames = map[string]bool{"help": true, "-h": true, "-help": true, "--help": true}

// ExitCode says how the process ends after Run's err, and prints err.
func ExitCode(err error) int {
	if err == nil || errors.Is(err, errHelpShown) {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	if errors.Is(err, errUsage) {
		return exitUsage
	}
	return exitFailure
}
