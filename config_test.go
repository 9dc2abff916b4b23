package main

import (
	"strings"
	"testing"
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
			t.Setenv("CORS_ALLOWED_ORIGINS", tt.setting)
			t.Setenv("JWT_SECRET", "") // a short one in the caller's environment would fail loadConfig
			cfg, err := loadConfig(tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig: error %v; want one that names %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.AllowedOrigins.Allows(tt.origin); got != tt.wantAllowed {
				t.Fatalf("origin %s allowed: %v; want %v (allowed origins %q)", tt.origin, got, tt.wantAllowed, cfg.AllowedOrigins)
			}
		})
	}
}

func TestMetricsAddrConfiguration(t *testing.T) {
	tests := []struct {
		name, addr, metricsAddr string
		wantErr                 string
	}{
		{"unset serves the metrics on ADDR", ":8080", "", ""},
		{"a listener of their own", ":8080", "127.0.0.1:9090", ""},
		{"the API's own address is refused", ":8080", ":8080", "METRICS_ADDR must differ from ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ADDR", tt.addr)
			t.Setenv("METRICS_ADDR", tt.metricsAddr)
			t.Setenv("JWT_SECRET", "")
			cfg, err := loadConfig(production)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig: error %v; want one that says %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.MetricsAddr != tt.metricsAddr {
				t.Fatalf("loadConfig: MetricsAddr %q, error %v; want %q", cfg.MetricsAddr, err, tt.metricsAddr)
			}
		})
	}
}
