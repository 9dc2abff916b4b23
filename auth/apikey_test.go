package auth_test

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/auth"
)

// apiKeyForm is the documented form of an API key: ck_, 8 characters of
// public prefix, _, and 43 random base62 characters (256 bits).
var apiKeyForm = regexp.MustCompile(`^ck_[0-9A-Za-z]{8}_[0-9A-Za-z]{43}$`)

func TestNewAPIKey(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		key, prefix := auth.NewAPIKey()
		if !apiKeyForm.MatchString(key) || !strings.HasPrefix(key, prefix+"_") {
			t.Fatalf("NewAPIKey() = %q, %q; want ck_<8>_<43 base62> starting with the prefix", key, prefix)
		}
		if got, ok := auth.APIKeyPrefix(key); !ok || got != prefix {
			t.Fatalf("APIKeyPrefix(%q) = %q, %v; want %q, true", key, got, ok, prefix)
		}
		if !auth.IsAPIKey(key) {
			t.Fatalf("IsAPIKey(%q) = false; want true", key)
		}
		if seen[key] || seen[prefix] {
			t.Fatalf("NewAPIKey repeated %q or its prefix %q", key, prefix)
		}
		seen[key], seen[prefix] = true, true
	}
}

func TestHashAPIKey(t *testing.T) {
	t.Parallel()
	key, _ := auth.NewAPIKey()
	other, _ := auth.NewAPIKey()
	want := sha256.Sum256([]byte(key))
	if got := auth.HashAPIKey(key); !bytes.Equal(got, want[:]) {
		t.Fatalf("HashAPIKey = %x; want the SHA-256 %x", got, want)
	}
	if bytes.Equal(auth.HashAPIKey(key), auth.HashAPIKey(other)) {
		t.Fatal("two keys have the same hash")
	}
}

func TestAPIKeyPrefix(t *testing.T) {
	t.Parallel()
	random := strings.Repeat("aZ9", 14) + "x"
	tests := []struct {
		name       string
		key        string
		wantPrefix string
	}{
		{"a well-formed key", "ck_Ab12Cd34_" + random, "ck_Ab12Cd34"},
		{"upper-case marker", "CK_Ab12Cd34_" + random, ""},
		{"no marker", "Ab12Cd34_" + random, ""},
		{"prefix too short", "ck_Ab12Cd3_" + random, ""},
		{"secret too short", "ck_Ab12Cd34_" + random[1:], ""},
		{"secret too long", "ck_Ab12Cd34_" + random + "y", ""},
		{"a character outside base62", "ck_Ab12Cd34_" + random[1:] + "-", ""},
		{"a trailing newline", "ck_Ab12Cd34_" + random + "\n", ""},
		{"the marker alone", "ck_", ""},
		{"empty", "", ""},
		{"a JWT", "eyJhbGciOiJIUzI1NiJ9.e30.sig", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix, ok := auth.APIKeyPrefix(tt.key)
			if prefix != tt.wantPrefix || ok != (tt.wantPrefix != "") {
				t.Fatalf("APIKeyPrefix(%q) = %q, %v; want %q", tt.key, prefix, ok, tt.wantPrefix)
			}
		})
	}
}

func TestIsAPIKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token string
		want  bool
	}{
		{"ck_Ab12Cd34_secret", true},
		{"ck_", true},
		{"CK_Ab12Cd34_secret", false},
		{"eyJhbGciOiJIUzI1NiJ9.e30.sig", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := auth.IsAPIKey(tt.token); got != tt.want {
			t.Errorf("IsAPIKey(%q) = %v; want %v", tt.token, got, tt.want)
		}
	}
}

func TestKeysAdminIsAScopeOfItsOwn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		scopes []string
		scope  string
		want   bool
	}{
		{"keys:admin allows keys:admin", []string{auth.ScopeKeysAdmin}, auth.ScopeKeysAdmin, true},
		{"keys:admin does not allow reading", []string{auth.ScopeKeysAdmin}, auth.ScopeRead, false},
		{"keys:admin does not allow writing", []string{auth.ScopeKeysAdmin}, auth.ScopeWrite, false},
		{"read and write do not allow keys:admin", []string{auth.ScopeRead, auth.ScopeWrite}, auth.ScopeKeysAdmin, false},
	}
	for _, tt := range tests {
		p := &auth.Principal{Scopes: tt.scopes}
		if got := p.Can(tt.scope); got != tt.want {
			t.Errorf("%s: scopes %v, Can(%s) = %v; want %v", tt.name, tt.scopes, tt.scope, got, tt.want)
		}
	}
}
