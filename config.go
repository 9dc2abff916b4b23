package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/contacts-api/contacts/auth"
)

// config is the server's configuration, read once from the environment.
type config struct {
	DatabaseURL    string
	Addr           string
	MigrateOnStart bool
	DrainTimeout   time.Duration
	Auth           auth.Config
	// PprofAddr, when set, is where Go's runtime profiles are served.
	PprofAddr string
}

// loadConfig reads the environment and checks it.
func loadConfig() (config, error) {
	cfg := config{
		DatabaseURL:  os.Getenv("DATABASE_URL"),
		Addr:         envOr("ADDR", ":8080"),
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
	if s := os.Getenv("SHUTDOWN_TIMEOUT"); s != "" {
		if cfg.DrainTimeout, err = time.ParseDuration(s); err != nil {
			return cfg, fmt.Errorf("SHUTDOWN_TIMEOUT must be a duration such as 25s: %w", err)
		}
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
