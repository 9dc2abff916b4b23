package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/cors"
)

// config is the server's configuration, read once from the environment.
type config struct {
	DatabaseURL string
	Addr        string
	// MetricsAddr, when set, is where GET /metrics is served, instead of
	// on Addr.
	MetricsAddr    string
	MigrateOnStart bool
	DrainTimeout   time.Duration
	MaxBodyBytes   int64
	// Playground serves GraphiQL at GET /.
	Playground bool
	// AllowedOrigins may call the API from browser pages.
	AllowedOrigins cors.Origins
	Auth           auth.Config
	// PprofAddr, when set, is where Go's runtime profiles are served.
	PprofAddr string
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
		DatabaseURL:  os.Getenv("DATABASE_URL"),
		Addr:         envOr("ADDR", ":8080"),
		MetricsAddr:  os.Getenv("METRICS_ADDR"),
		DrainTimeout: 25 * time.Second,
		PprofAddr:    os.Getenv("PPROF_ADDR"),
		Auth: auth.Config{
			Secret:        []byte(os.Getenv("JWT_SECRET")),
			PublicKeyFile: os.Getenv("JWT_PUBLIC_KEY_FILE"),
			Issuer:        os.Getenv("JWT_ISSUER"),
			Audience:      os.Getenv("JWT_AUDIENCE"),
		},
	}
	var err error
	if cfg.MigrateOnStart, err = strconv.ParseBool(envOr("MIGRATE_ON_START", "true")); err != nil {
		return cfg, fmt.Errorf("MIGRATE_ON_START must be true or false: %w", err)
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
	if s := os.Getenv("SHUTDOWN_TIMEOUT"); s != "" {
		if cfg.DrainTimeout, err = time.ParseDuration(s); err != nil {
			return cfg, fmt.Errorf("SHUTDOWN_TIMEOUT must be a duration such as 25s: %w", err)
		}
	}
	if s := os.Getenv("MAX_BODY_BYTES"); s != "" {
		if cfg.MaxBodyBytes, err = strconv.ParseInt(s, 10, 64); err != nil || cfg.MaxBodyBytes < 1 {
			return cfg, fmt.Errorf("MAX_BODY_BYTES must be a positive number of bytes, not %q", s)
		}
	}
	if cfg.MetricsAddr != "" && cfg.MetricsAddr == cfg.Addr {
		return cfg, fmt.Errorf("METRICS_ADDR must differ from ADDR (%s); leave it empty to serve /metrics on ADDR", cfg.Addr)
	}
	if n := len(cfg.Auth.Secret); n > 0 && n < 32 {
		return cfg, fmt.Errorf("JWT_SECRET must be at least 32 bytes, not %d", n)
	}
	return cfg, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
