package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes of the binary.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

var (
	// errUsage matches the errors of mistakes on the command line (see
	// badUsage): exit code 2.
	errUsage = errors.New("command line mistake")
	// errHelpShown means help was asked for and printed: exit code 0.
	errHelpShown = errors.New("help shown")
)

// usageMistake is a mistake on the command line; it reads as its cause.
type usageMistake struct{ err error }

func (m usageMistake) Error() string        { return m.err.Error() }
func (m usageMistake) Unwrap() error        { return m.err }
func (m usageMistake) Is(target error) bool { return target == errUsage }

// badUsage marks err as a mistake on the command line.
func badUsage(err error) error { return usageMistake{err} }

// exitCode says how the process ends after err, and prints err.
func exitCode(err error) int {
	if err == nil || errors.Is(err, errHelpShown) {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	if errors.Is(err, errUsage) {
		return exitUsage
	}
	return exitFailure
}

const usage = `Usage: server [command] [flags]

Commands:
  serve      serve the API (the default when no command is given)
  dev        serve for development: a private PostgreSQL under .data/ when
             DATABASE_URL is unset, sample data, and a token for the playground
  migrate    apply (up, the default), undo the last (down) or list (status) migrations
  token      mint a development token signed with JWT_SECRET
  apikey     create an API key for a backend (apikey create)
  seed       fill a workspace with generated accounts, contacts and phones
  check-phones
             list the stored phone numbers that are not valid; changes nothing
  help       show this help, or a command's: server help <command>

Run "server <command> --help" for a command's flags and settings.
Exit codes: 0 success, 1 failure, 2 a mistake on the command line.
` + environmentHelp

// environmentHelp lists the settings; docs/operations.md explains them.
const environmentHelp = `
Configuration comes from the environment (docs/operations.md has the defaults):
  DATABASE_URL          PostgreSQL URL; serve needs it, and dev, migrate, apikey and
                        seed use the development database under .data/ without it
  ADDR                  listen address, :8080
  METRICS_ADDR          listen address of GET /metrics alone; empty: not served
  JWT_SECRET            HS256 signing secret, at least 32 bytes
  JWT_PUBLIC_KEY_FILE   PEM public key for RS256, ES256 or EdDSA tokens
  JWT_JWKS_FILE         JSON Web Key Set for tokens with a kid, reloaded on SIGHUP
  JWT_ISSUER            required iss claim, when set
  JWT_AUDIENCE          required aud claim, when set
  MIGRATE_ON_START      apply pending migrations at start, true
  ROW_LEVEL_SECURITY    on: queries also held by PostgreSQL's row-level security, on
  SHUTDOWN_TIMEOUT      how long SIGTERM waits for requests, 25s
  STATEMENT_TIMEOUT     longest SQL statement of a request, 5s; 0: PostgreSQL's
  IDLE_IN_TRANSACTION_TIMEOUT
                        longest wait inside a request's transaction, 10s
  EVENT_RETENTION       how long change events are kept, 720h (30 days)
  WEBHOOK_ALLOW_PRIVATE webhooks to loopback and private addresses (tests, development), false
  WEBHOOK_WORKERS       webhook deliveries sent at once; 0: this process sends none, 50
  PLAYGROUND            serve the GraphiQL playground at /, true
  CORS_ALLOWED_ORIGINS  origins whose browser pages may call the API
  MAX_BODY_BYTES        largest request body, 102400
  MAX_BULK_BODY_BYTES   largest body of a bulk mutation, 2097152
  MAX_INFLIGHT_BODY_BYTES
                        request bodies held in memory at once, 67108864
  MAX_QUERY_TOKENS      most tokens in a GraphQL document, 10000
  MAX_QUERY_DEPTH       deepest nesting of fields, 15
  MAX_QUERY_ALIASES     most aliased fields in one selection set, 15
  MAX_QUERY_FIELDS      most fields in a GraphQL document, 500
  MAX_QUERY_SELECTION_FIELDS
                        most fields in one selection set, 100
  MAX_QUERY_FRAGMENT_SPREADS
                        most fragment spreads in a GraphQL document, 200
  MAX_QUERY_COMPLEXITY  highest cost of one operation, 100000
  MAX_CONCURRENT_COST   summed cost of the operations running at once, 1000000
  MAX_RESPONSE_BYTES    largest data of one response, 16777216
  INTROSPECTION         answer introspection and suggest names, true
  RATE_LIMIT            rate limits of workspaces and failed authentications, on (or off)
  RATE_LIMIT_REQUESTS   requests per workspace and minute, 1200
  RATE_LIMIT_COST       cost per workspace and minute, 1000000
  RATE_LIMIT_AUTH_FAILURES
                        failed authentications per client address and minute, 60
  TRUSTED_PROXIES       proxies whose X-Forwarded-For names the client, none
  PPROF_ADDR            where Go's runtime profiles are served, off when unset
`

// command describes a subcommand for its help.
type command struct {
	name string
	// synopsis follows "Usage: server " in the help.
	synopsis string
	// about says what the command does and what it reads.
	about string
	// maxArgs is how many arguments the command takes besides flags.
	maxArgs int
}

// flagSet returns the command's flags, whose usage prints its help.
func (c command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: server %s\n\n%s", c.synopsis, c.about)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse reads the command's flags and arguments, which may come in any
// order. Help goes to stdout when asked for (-h, --help), and to stderr
// with a usage error after a mistake.
func (c command) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) > c.maxArgs {
		return nil, usageError(fs, fmt.Errorf("unexpected argument %q", positional[c.maxArgs]))
	}
	return positional, nil
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return errHelpShown
	case err != nil:
		return usageError(fs, err)
	}
	return nil
}

// usageError prints the command's help to stderr and marks err as a
// command line mistake.
func usageError(fs *flag.FlagSet, err error) error {
	fs.SetOutput(os.Stderr)
	fs.Usage()
	fmt.Fprintln(os.Stderr)
	return badUsage(err)
}
