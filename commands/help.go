package commands

import (
	"context"
	"fmt"
)

// helpCommand prints the usage, or a command's help when args name one.
func helpCommand(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return Run(ctx, []string{args[0], "--help"})
	}
	fmt.Print(usage)
	return nil
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
  DATABASE_POOL_SIZE    requests run at once, each with a connection to PostgreSQL;
                        the others wait in order, twice the CPUs plus 2
  CHANGE_EVENTS         on: writes record change events (webhooks, subscriptions,
                        feed, history); off: none, on
  EVENT_RETENTION       how long change events are kept, 720h (30 days)
  WEBHOOK_ALLOW_PRIVATE webhooks to loopback and private addresses (tests, development), false
  WEBHOOK_WORKERS       webhook deliveries sent at once; 0: this process sends none, 50
  SUBSCRIPTIONS_PER_CONNECTION
                        live subscriptions one WebSocket may run at once, 20
  SUBSCRIPTIONS_PER_WORKSPACE
                        live subscriptions a workspace may run at once, per process, 500
  SUBSCRIPTION_BUFFER   events waiting for a subscriber before it is disconnected, 256
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
