package commands

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/httpapi/clientaddr"
	"github.com/contacts-api/contacts/httpapi/cors"
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/service"
)

// config is the server's configuration, read once from the environment.
type config struct {
	DatabaseURL string
	Addr        string
	// MetricsAddr, when set, is where GET /metrics is served; the
	// metrics are never served on Addr.
	MetricsAddr    string
	MigrateOnStart bool
	// RowSecurity runs the API's queries as db.APIRole, each naming its
	// workspace (in a mutation's transaction, or for itself), so that
	// PostgreSQL's row-level security holds them to it behind their
	// workspace filters. On by default (docs/security.md, Tenant
	// isolation).
	RowSecurity bool
	// WithoutEvents records no change events (CHANGE_EVENTS=off), so that
	// webhooks, subscriptions, the feed and history stay silent. Events are
	// on by default, and in a config that does not set it.
	WithoutEvents bool
	// DrainTimeout is how long SIGTERM waits for in-flight requests.
	DrainTimeout time.Duration
	// DatabaseTimeouts bound each statement of a request and each idle
	// moment of its transaction, in PostgreSQL.
	DatabaseTimeouts db.Timeouts
	// PoolSize is the most requests that run at once, each with a
	// connection of the API's pool (Limits.MaxConcurrentOperations); the
	// pool opens db.PoolHeadroom more for the server's own work.
	PoolSize int
	// Limits bound what one request may ask of the server.
	Limits httpapi.Limits
	// RateLimits bound each workspace's requests and cost per minute,
	// and each client's failed authentications, per process; zero when
	// RATE_LIMIT=off.
	RateLimits httpapi.RateLimits
	// Introspection answers __schema and __type queries and lets errors
	// suggest names.
	Introspection bool
	// Playground serves GraphiQL at GET /.
	Playground bool
	// AllowedOrigins may call the API from browser pages.
	AllowedOrigins cors.Origins
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client.
	TrustedProxies clientaddr.Proxies
	Auth           auth.Config
	// PprofAddr, when set, is where Go's runtime profiles are served.
	PprofAddr string
	// EventRetention is how long change events are kept before they are
	// pruned; an older feed cursor has expired.
	EventRetention time.Duration
	// WebhookAllowPrivate lets webhook endpoints be plain http on
	// loopback, and deliveries connect to private addresses: for tests
	// and development only.
	WebhookAllowPrivate bool
	// WebhookWorkers is how many webhook deliveries the process sends at
	// once; 0 sends none (an API-only process: others deliver).
	WebhookWorkers int
	// Subscriptions bound the process's live subscriptions.
	Subscriptions live.Limits
}

// environment chooses the defaults of settings that differ between
// development and production.
type environment int

const (
	production environment = iota
	development
)

// loadConfig reads the environment and checks it.
func loadConfig(env environment) (config, error) {
	cfg := config{
		DatabaseURL: os.Getenv("DATABASE_URL"),
		Addr:        envOr("ADDR", ":8080"),
		MetricsAddr: os.Getenv("METRICS_ADDR"),
		PprofAddr:   os.Getenv("PPROF_ADDR"),
		Auth: auth.Config{
			Secret:        []byte(os.Getenv("JWT_SECRET")),
			PublicKeyFile: os.Getenv("JWT_PUBLIC_KEY_FILE"),
			JWKSFile:      os.Getenv("JWT_JWKS_FILE"),
			Issuer:        os.Getenv("JWT_ISSUER"),
			Audience:      os.Getenv("JWT_AUDIENCE"),
		},
	}
	var err error
	if cfg.MigrateOnStart, err = strconv.ParseBool(envOr("MIGRATE_ON_START", "true")); err != nil {
		return cfg, fmt.Errorf("MIGRATE_ON_START must be true or false: %w", err)
	}
	if cfg.RowSecurity, err = envSwitch("ROW_LEVEL_SECURITY"); err != nil {
		return cfg, err
	}
	events, err := envSwitch("CHANGE_EVENTS")
	if err != nil {
		return cfg, err
	}
	cfg.WithoutEvents = !events
	if cfg.WebhookAllowPrivate, err = strconv.ParseBool(envOr("WEBHOOK_ALLOW_PRIVATE", "false")); err != nil {
		return cfg, fmt.Errorf("WEBHOOK_ALLOW_PRIVATE must be true or false: %w", err)
	}
	if cfg.Playground, err = strconv.ParseBool(envOr("PLAYGROUND", "true")); err != nil {
		return cfg, fmt.Errorf("PLAYGROUND must be true or false: %w", err)
	}
	origins := os.Getenv("CORS_ALLOWED_ORIGINS")
	if origins == "" && env == development {
		origins = cors.DevelopmentOrigins
	}
	if cfg.AllowedOrigins, err = cors.ParseOrigins(origins); err != nil {
		return cfg, fmt.Errorf("CORS_ALLOWED_ORIGINS: %w", err)
	}
	if cfg.TrustedProxies, err = clientaddr.ParseProxies(os.Getenv("TRUSTED_PROXIES")); err != nil {
		return cfg, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	if cfg.DrainTimeout, cfg.DatabaseTimeouts, err = loadTimeouts(); err != nil {
		return cfg, err
	}
	var r numbers
	if cfg.EventRetention = r.envDuration("EVENT_RETENTION", service.DefaultEventRetention); r.err != nil || cfg.EventRetention == 0 {
		return cfg, fmt.Errorf("EVENT_RETENTION must be a duration above 0, such as 720h")
	}
	if cfg.WebhookWorkers, err = strconv.Atoi(envOr("WEBHOOK_WORKERS", "50")); err != nil || cfg.WebhookWorkers < 0 {
		return cfg, fmt.Errorf("WEBHOOK_WORKERS must be a whole number, 0 or more, not %q", os.Getenv("WEBHOOK_WORKERS"))
	}
	cfg.Subscriptions = live.Limits{
		PerConnection: r.envPositive("SUBSCRIPTIONS_PER_CONNECTION", live.DefaultLimits.PerConnection),
		PerWorkspace:  r.envPositive("SUBSCRIPTIONS_PER_WORKSPACE", live.DefaultLimits.PerWorkspace),
		Buffer:        r.envPositive("SUBSCRIPTION_BUFFER", live.DefaultLimits.Buffer),
	}
	if r.err != nil {
		return cfg, r.err
	}
	if cfg.Introspection, err = strconv.ParseBool(envOr("INTROSPECTION", "true")); err != nil {
		return cfg, fmt.Errorf("INTROSPECTION must be true or false: %w", err)
	}
	if cfg.Limits, err = loadLimits(); err != nil {
		return cfg, err
	}
	var pool numbers
	if cfg.PoolSize = pool.envPositive("DATABASE_POOL_SIZE", db.PoolSize(serverProcs())); pool.err != nil {
		return cfg, pool.err
	}
	cfg.Limits.MaxConcurrentOperations = cfg.PoolSize
	if cfg.RateLimits, err = loadRateLimits(cfg.Limits); err != nil {
		return cfg, err
	}
	// Port 0 is a free port of the system's choosing: two of them differ.
	if cfg.MetricsAddr != "" && cfg.MetricsAddr == cfg.Addr && !strings.HasSuffix(cfg.Addr, ":0") {
		return cfg, fmt.Errorf("METRICS_ADDR must differ from ADDR (%s): the metrics are not served on the API's listener", cfg.Addr)
	}
	if n := len(cfg.Auth.Secret); n > 0 && n < 32 {
		return cfg, fmt.Errorf("JWT_SECRET must be at least 32 bytes, not %d", n)
	}
	return cfg, nil
}

// loadTimeouts reads how long SIGTERM waits for requests and how long
// PostgreSQL lets a request's statement run and its transaction idle.
func loadTimeouts() (time.Duration, db.Timeouts, error) {
	t := db.DefaultTimeouts
	var r numbers
	drain := r.envDuration("SHUTDOWN_TIMEOUT", 25*time.Second)
	t.Statement = r.envDuration("STATEMENT_TIMEOUT", t.Statement)
	t.IdleInTransaction = r.envDuration("IDLE_IN_TRANSACTION_TIMEOUT", t.IdleInTransaction)
	return drain, t, r.err
}

// loadLimits reads the limits of requests; unset ones keep their defaults.
func loadLimits() (httpapi.Limits, error) {
	l := httpapi.DefaultLimits
	var r numbers
	l.MaxTokens = r.envPositive("MAX_QUERY_TOKENS", l.MaxTokens)
	l.MaxDepth = r.envPositive("MAX_QUERY_DEPTH", l.MaxDepth)
	l.MaxAliases = r.envPositive("MAX_QUERY_ALIASES", l.MaxAliases)
	l.MaxFields = r.envPositive("MAX_QUERY_FIELDS", l.MaxFields)
	l.MaxSelectionFields = r.envPositive("MAX_QUERY_SELECTION_FIELDS", l.MaxSelectionFields)
	l.MaxFragmentSpreads = r.envPositive("MAX_QUERY_FRAGMENT_SPREADS", l.MaxFragmentSpreads)
	l.MaxComplexity = r.envPositive("MAX_QUERY_COMPLEXITY", l.MaxComplexity)
	l.MaxConcurrentCost = r.envPositive("MAX_CONCURRENT_COST", l.MaxConcurrentCost)
	l.MaxResponseBytes = int64(r.envPositive("MAX_RESPONSE_BYTES", int(l.MaxResponseBytes)))
	l.MaxBodyBytes = int64(r.envPositive("MAX_BODY_BYTES", int(l.MaxBodyBytes)))
	l.MaxBulkBodyBytes = int64(r.envPositive("MAX_BULK_BODY_BYTES", int(max(l.MaxBulkBodyBytes, l.MaxBodyBytes))))
	if r.err == nil && l.MaxBulkBodyBytes < l.MaxBodyBytes {
		r.err = fmt.Errorf("MAX_BULK_BODY_BYTES (%d) must not be less than MAX_BODY_BYTES (%d)", l.MaxBulkBodyBytes, l.MaxBodyBytes)
	}
	l.MaxInflightBodyBytes = int64(r.envPositive("MAX_INFLIGHT_BODY_BYTES", int(l.MaxInflightBodyBytes)))
	if r.err == nil && l.MaxInflightBodyBytes <= l.MaxBulkBodyBytes {
		r.err = fmt.Errorf("MAX_INFLIGHT_BODY_BYTES (%d) must be more than MAX_BULK_BODY_BYTES (%d): a body at the limit could never be read", l.MaxInflightBodyBytes, l.MaxBulkBodyBytes)
	}
	return l, r.err
}

// loadRateLimits reads the per-workspace rate limits, or none when
// RATE_LIMIT is off.
func loadRateLimits(limits httpapi.Limits) (httpapi.RateLimits, error) {
	if on, err := envSwitch("RATE_LIMIT"); err != nil || !on {
		return httpapi.RateLimits{}, err
	}
	l := httpapi.DefaultRateLimits
	var r numbers
	l.RequestsPerMinute = r.envPositive("RATE_LIMIT_REQUESTS", l.RequestsPerMinute)
	l.CostPerMinute = r.envPositive("RATE_LIMIT_COST", l.CostPerMinute)
	l.FailedAuthPerMinute = r.envPositive("RATE_LIMIT_AUTH_FAILURES", l.FailedAuthPerMinute)
	if r.err == nil && l.CostPerMinute < limits.MaxComplexity {
		r.err = fmt.Errorf("RATE_LIMIT_COST (%d) must not be less than MAX_QUERY_COMPLEXITY (%d): an operation at the limit could never run", l.CostPerMinute, limits.MaxComplexity)
	}
	return l, r.err
}

// numbers reads numeric settings and keeps the first mistake.
type numbers struct{ err error }

// envPositive reads a positive whole number, or returns fallback when the
// variable is unset or an earlier setting was wrong.
func (r *numbers) envPositive(name string, fallback int) int {
	return envNumber(r, name, fallback, "a positive whole number", func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 1
	})
}

// envDuration reads a duration such as 5s or 500ms, 0 or more, or returns
// fallback when the variable is unset or an earlier setting was wrong.
func (r *numbers) envDuration(name string, fallback time.Duration) time.Duration {
	return envNumber(r, name, fallback, "a duration such as 5s or 500ms", func(s string) (time.Duration, bool) {
		d, err := time.ParseDuration(s)
		return d, err == nil && d >= 0
	})
}

// envNumber reads the variable name with parse, which says whether its
// value is what must be; it keeps the first mistake in r, and returns
// fallback when the variable is unset or a setting was wrong.
func envNumber[N any](r *numbers, name string, fallback N, must string, parse func(string) (N, bool)) N {
	s := os.Getenv(name)
	if s == "" || r.err != nil {
		return fallback
	}
	n, ok := parse(s)
	if !ok {
		r.err = fmt.Errorf("%s must be %s, not %q", name, must, s)
		return fallback
	}
	return n
}

// envSwitch reads the on/off setting name, on when it is unset.
func envSwitch(name string) (bool, error) {
	switch value := envOr(name, "on"); value {
	case "on", "off":
		return value == "on", nil
	default:
		return false, fmt.Errorf("%s must be on or off, not %q", name, value)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
