package commands

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/httpapi"
)

func TestCORSConfiguration(t *testing.T) {
	tests := []struct {
		name        string
		env         environment
		setting     string
		origin      string
		wantAllowed bool
		wantErr     string
	}{
		{"development allows local apps by default", development, "", "http://localhost:5173", true, ""},
		{"development allows 127.0.0.1 by default", development, "", "http://127.0.0.1:3000", true, ""},
		{"development allows no other origin by default", development, "", "https://app.example.com", false, ""},
		{"production allows no origin by default", production, "", "http://localhost:5173", false, ""},
		{"a setting allows its origins", production, "https://app.example.com", "https://app.example.com", true, ""},
		{"a setting replaces the development default", development, "https://app.example.com", "http://localhost:5173", false, ""},
		{"a bad setting is refused", production, "*", "", false, "CORS_ALLOWED_ORIGINS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ok := loadConfigWith(t, tt.env, map[string]string{"CORS_ALLOWED_ORIGINS": tt.setting}, tt.wantErr)
			if !ok {
				return
			}
			if got := cfg.AllowedOrigins.Allows(tt.origin); got != tt.wantAllowed {
				t.Fatalf("origin %s allowed: %v; want %v (allowed origins %q)", tt.origin, got, tt.wantAllowed, cfg.AllowedOrigins)
			}
		})
	}
}

func TestMetricsAddrConfiguration(t *testing.T) {
	checkSettings(t, func(c config) string { return c.MetricsAddr }, []settingsCase[string]{
		{"unset serves no metrics", map[string]string{"ADDR": ":8080", "METRICS_ADDR": ""}, "", ""},
		{"a listener of their own", map[string]string{"ADDR": ":8080", "METRICS_ADDR": "127.0.0.1:9090"}, "127.0.0.1:9090", ""},
		{"the API's own address is refused", map[string]string{"ADDR": ":8080", "METRICS_ADDR": ":8080"}, "", "METRICS_ADDR must differ from ADDR"},
		{"two free ports differ", map[string]string{"ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0"}, "127.0.0.1:0", ""},
	})
}

// limitsRead is what the limits' settings set in a configuration.
type limitsRead struct {
	Limits        httpapi.Limits
	PoolSize      int
	Introspection bool
}

func TestLimitsConfiguration(t *testing.T) {
	defaults := limitsRead{Limits: httpapi.DefaultLimits, PoolSize: db.PoolSize(serverProcs()), Introspection: true}
	defaults.Limits.MaxConcurrentOperations = defaults.PoolSize
	raised := defaults
	raised.Limits.MaxBodyBytes, raised.Limits.MaxBulkBodyBytes = 4194304, 4194304
	checkSettings(t, func(c config) limitsRead { return limitsRead{c.Limits, c.PoolSize, c.Introspection} }, []settingsCase[limitsRead]{
		{"defaults", nil, defaults, ""},
		{"each limit is read", map[string]string{
			"MAX_BODY_BYTES": "1000", "MAX_BULK_BODY_BYTES": "5000", "MAX_INFLIGHT_BODY_BYTES": "5001", "MAX_QUERY_TOKENS": "500",
			"MAX_QUERY_DEPTH": "7", "MAX_QUERY_ALIASES": "3", "MAX_QUERY_FIELDS": "50", "MAX_QUERY_SELECTION_FIELDS": "20",
			"MAX_QUERY_FRAGMENT_SPREADS": "10", "MAX_QUERY_COMPLEXITY": "900", "MAX_CONCURRENT_COST": "9000", "MAX_RESPONSE_BYTES": "65536",
			"INTROSPECTION": "false", "DATABASE_POOL_SIZE": "6",
		}, limitsRead{Limits: httpapi.Limits{
			MaxBodyBytes: 1000, MaxBulkBodyBytes: 5000, MaxInflightBodyBytes: 5001, MaxTokens: 500, MaxDepth: 7, MaxAliases: 3,
			MaxFields: 50, MaxSelectionFields: 20, MaxFragmentSpreads: 10, MaxComplexity: 900, MaxConcurrentCost: 9000, MaxResponseBytes: 65536,
			MaxConcurrentOperations: 6,
		}, PoolSize: 6}, ""},
		{"a body limit over the bulk default raises it", map[string]string{"MAX_BODY_BYTES": "4194304"}, raised, ""},
		{"a bulk limit under the body limit", map[string]string{"MAX_BODY_BYTES": "5000", "MAX_BULK_BODY_BYTES": "1000"}, limitsRead{}, "MAX_BULK_BODY_BYTES"},
		{"an in-flight budget that a bulk body would not fit", map[string]string{"MAX_BODY_BYTES": "1000", "MAX_BULK_BODY_BYTES": "5000", "MAX_INFLIGHT_BODY_BYTES": "5000"}, limitsRead{}, "MAX_INFLIGHT_BODY_BYTES"},
		{"zero", map[string]string{"MAX_QUERY_DEPTH": "0"}, limitsRead{}, "MAX_QUERY_DEPTH"},
		{"not a number", map[string]string{"MAX_QUERY_COMPLEXITY": "lots"}, limitsRead{}, "MAX_QUERY_COMPLEXITY"},
		{"introspection not a boolean", map[string]string{"INTROSPECTION": "maybe"}, limitsRead{}, "INTROSPECTION"},
		{"no connections", map[string]string{"DATABASE_POOL_SIZE": "0"}, limitsRead{}, "DATABASE_POOL_SIZE"},
	}, "MAX_BODY_BYTES", "MAX_BULK_BODY_BYTES", "MAX_INFLIGHT_BODY_BYTES", "MAX_QUERY_TOKENS", "MAX_QUERY_DEPTH", "MAX_QUERY_ALIASES", "MAX_QUERY_FIELDS",
		"MAX_QUERY_SELECTION_FIELDS", "MAX_QUERY_FRAGMENT_SPREADS", "MAX_QUERY_COMPLEXITY", "MAX_CONCURRENT_COST", "MAX_RESPONSE_BYTES", "INTROSPECTION", "DATABASE_POOL_SIZE")
}

func TestRateLimitsConfiguration(t *testing.T) {
	checkSettings(t, func(c config) httpapi.RateLimits { return c.RateLimits }, []settingsCase[httpapi.RateLimits]{
		{"on by default", nil, httpapi.DefaultRateLimits, ""},
		{"off", map[string]string{"RATE_LIMIT": "off", "RATE_LIMIT_REQUESTS": "5"}, httpapi.RateLimits{}, ""},
		{"each limit is read", map[string]string{"RATE_LIMIT_REQUESTS": "60", "RATE_LIMIT_COST": "200000", "RATE_LIMIT_AUTH_FAILURES": "7"}, httpapi.RateLimits{RequestsPerMinute: 60, CostPerMinute: 200000, FailedAuthPerMinute: 7}, ""},
		{"neither on nor off", map[string]string{"RATE_LIMIT": "yes"}, httpapi.RateLimits{}, "RATE_LIMIT"},
		{"not a number", map[string]string{"RATE_LIMIT_REQUESTS": "many"}, httpapi.RateLimits{}, "RATE_LIMIT_REQUESTS"},
		{"a cost budget under the complexity limit", map[string]string{"RATE_LIMIT_COST": "1000", "MAX_QUERY_COMPLEXITY": "5000"}, httpapi.RateLimits{}, "RATE_LIMIT_COST"},
	}, "RATE_LIMIT", "RATE_LIMIT_REQUESTS", "RATE_LIMIT_COST", "RATE_LIMIT_AUTH_FAILURES", "MAX_QUERY_COMPLEXITY")
}

// timeoutsRead is what the timeouts' settings set in a configuration.
type timeoutsRead struct {
	Drain    time.Duration
	Database db.Timeouts
}

func TestTimeoutsConfiguration(t *testing.T) {
	checkSettings(t, func(c config) timeoutsRead { return timeoutsRead{c.DrainTimeout, c.DatabaseTimeouts} }, []settingsCase[timeoutsRead]{
		{"defaults", nil, timeoutsRead{25 * time.Second, db.Timeouts{Statement: 5 * time.Second, IdleInTransaction: 10 * time.Second}}, ""},
		{"each is read", map[string]string{"SHUTDOWN_TIMEOUT": "40s", "STATEMENT_TIMEOUT": "750ms", "IDLE_IN_TRANSACTION_TIMEOUT": "1m"},
			timeoutsRead{40 * time.Second, db.Timeouts{Statement: 750 * time.Millisecond, IdleInTransaction: time.Minute}}, ""},
		{"0 leaves PostgreSQL's setting", map[string]string{"STATEMENT_TIMEOUT": "0", "IDLE_IN_TRANSACTION_TIMEOUT": "0"}, timeoutsRead{25 * time.Second, db.Timeouts{}}, ""},
		{"not a duration", map[string]string{"STATEMENT_TIMEOUT": "5"}, timeoutsRead{}, "STATEMENT_TIMEOUT"},
		{"negative", map[string]string{"IDLE_IN_TRANSACTION_TIMEOUT": "-1s"}, timeoutsRead{}, "IDLE_IN_TRANSACTION_TIMEOUT"},
		{"a bad drain window", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, timeoutsRead{}, "SHUTDOWN_TIMEOUT"},
	}, "SHUTDOWN_TIMEOUT", "STATEMENT_TIMEOUT", "IDLE_IN_TRANSACTION_TIMEOUT")
}

func TestRowSecurityConfiguration(t *testing.T) {
	checkSwitch(t, "ROW_LEVEL_SECURITY", "true", func(cfg config) bool { return cfg.RowSecurity })
}

func TestChangeEventsConfiguration(t *testing.T) {
	checkSwitch(t, "CHANGE_EVENTS", "false", func(cfg config) bool { return !cfg.WithoutEvents })
}

// checkSwitch checks the on/off setting name: on when unset or "on", off
// when "off", and bad, anything else, refused; on says whether a
// configuration has it on.
func checkSwitch(t *testing.T, name, bad string, on func(config) bool) {
	t.Helper()
	checkSettings(t, on, []settingsCase[bool]{
		{"on by default", map[string]string{name: ""}, true, ""},
		{"on", map[string]string{name: "on"}, true, ""},
		{"off", map[string]string{name: "off"}, false, ""},
		{"anything else is refused", map[string]string{name: bad}, false, name + " must be on or off"},
	})
}

// settingsCase is a case of a settings test: the settings in the
// environment, and what the configuration reads of them or what the
// error names.
type settingsCase[T comparable] struct {
	name    string
	env     map[string]string
	want    T
	wantErr string
}

// checkSettings loads the production configuration with each case's
// settings (those of names that a case leaves out unset) and compares what
// read reads of it with the case's want.
func checkSettings[T comparable](t *testing.T, read func(config) T, tests []settingsCase[T], names ...string) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ok := loadConfigWith(t, production, tt.env, tt.wantErr, names...)
			if got := read(cfg); ok && got != tt.want {
				t.Fatalf("loadConfig with %v: %+v; want %+v", tt.env, got, tt.want)
			}
		})
	}
}

// loadConfigWith runs loadConfig(env) with settings in the environment,
// and the names among them that settings leaves out unset, as is
// JWT_SECRET (a short one in the caller's environment would fail it). When
// wantErr is set, it checks that the error names it and returns false;
// otherwise any error fails t.
func loadConfigWith(t *testing.T, env environment, settings map[string]string, wantErr string, names ...string) (config, bool) {
	t.Helper()
	t.Setenv("JWT_SECRET", "")
	for name, value := range settings {
		t.Setenv(name, value)
	}
	for _, name := range names {
		t.Setenv(name, settings[name])
	}
	cfg, err := loadConfig(env)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("loadConfig: error %v; want one that names %s", err, wantErr)
		}
		return cfg, false
	}
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	return cfg, true
}

func TestTrustedProxiesConfiguration(t *testing.T) {
	checkSettings(t, func(c config) string { return fmt.Sprint(c.TrustedProxies) }, []settingsCase[string]{
		{"none by default", nil, "[]", ""},
		{"addresses and networks", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"}, "[10.0.0.0/8 192.168.1.7/32]", ""},
		{"a name is no address", map[string]string{"TRUSTED_PROXIES": "proxy.internal"}, "", "TRUSTED_PROXIES"},
	}, "TRUSTED_PROXIES")
}

func TestEventRetentionConfiguration(t *testing.T) {
	checkSettings(t, func(c config) time.Duration { return c.EventRetention }, []settingsCase[time.Duration]{
		{"unset keeps events 30 days", map[string]string{"EVENT_RETENTION": ""}, 30 * 24 * time.Hour, ""},
		{"a duration sets it", map[string]string{"EVENT_RETENTION": "168h"}, 7 * 24 * time.Hour, ""},
		{"zero would keep nothing", map[string]string{"EVENT_RETENTION": "0s"}, 0, "EVENT_RETENTION"},
		{"days are not a Go duration", map[string]string{"EVENT_RETENTION": "30d"}, 0, "EVENT_RETENTION"},
	})
}
