package service

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
)

func TestGrantableScopes(t *testing.T) {
	t.Parallel()
	scopesAt := inputPath.at("scopes")
	writer := &auth.Principal{Scopes: []string{auth.ScopeWrite}}
	admin := &auth.Principal{Scopes: auth.Scopes}
	tests := []struct {
		name     string
		creator  *auth.Principal
		scopes   []string
		want     []string // the granted scopes when nothing is recorded
		wantCode ErrorCode
		wantAt   path
	}{
		{name: "held scopes are granted in the order given", creator: admin, scopes: []string{auth.ScopeKeysAdmin, auth.ScopeRead}, want: []string{auth.ScopeKeysAdmin, auth.ScopeRead}},
		{name: "a repeated scope is granted once", creator: admin, scopes: []string{auth.ScopeRead, auth.ScopeRead}, want: []string{auth.ScopeRead}},
		{name: "a writer may grant reading", creator: writer, scopes: []string{auth.ScopeRead}, want: []string{auth.ScopeRead}},
		{name: "no scopes are required", creator: admin, scopes: nil, wantCode: Required, wantAt: scopesAt},
		{name: "an unknown scope is invalid at its index", creator: admin, scopes: []string{auth.ScopeRead, "contacts:delete"}, wantCode: Invalid, wantAt: scopesAt.at(1)},
		{name: "a scope differing in case is unknown", creator: admin, scopes: []string{"Contacts:Read"}, wantCode: Invalid, wantAt: scopesAt.at(0)},
		{name: "a scope the creator lacks is invalid", creator: writer, scopes: []string{auth.ScopeRead, auth.ScopeKeysAdmin}, wantCode: Invalid, wantAt: scopesAt.at(1)},
		{name: "a creator without principal grants nothing", creator: nil, scopes: []string{auth.ScopeRead}, wantCode: Invalid, wantAt: scopesAt.at(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps problems
			got := grantableScopes(&ps, scopesAt, tt.creator, tt.scopes)
			if code := recorded(t, ps, tt.wantAt); code != tt.wantCode {
				t.Fatalf("recorded %q, want %q", code, tt.wantCode)
			}
			if tt.wantCode == "" && !slices.Equal(got, tt.want) {
				t.Errorf("grantableScopes(%v) = %v, want %v", tt.scopes, got, tt.want)
			}
		})
	}
}

func TestKeyRefusal(t *testing.T) {
	t.Parallel()
	secret, prefix := auth.NewAPIKey()
	hash := auth.HashAPIKey(secret)
	now := time.Now()
	key := func(edit func(*db.APIKey)) *db.APIKey {
		k := &db.APIKey{Key: db.Key{ID: db.NewID(db.APIKeyPrefix)}, Prefix: prefix, KeyHash: hash, Active: true}
		if edit != nil {
			edit(k)
		}
		return k
	}
	tests := []struct {
		name string
		key  *db.APIKey
		want string
	}{
		{"an active key is accepted", key(nil), ""},
		{"no key has the hash", nil, "unknown API key " + prefix},
		{"the stored hash differs", key(func(k *db.APIKey) { k.KeyHash = auth.HashAPIKey("other") }), "unknown API key " + prefix},
		{"a revoked key", key(func(k *db.APIKey) { k.RevokedAt, k.Active = &now, false }), "revoked API key " + prefix},
		{"an expired key", key(func(k *db.APIKey) { k.ExpiresAt, k.Active = &now, false }), "expired API key " + prefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := keyRefusal(prefix, hash, tt.key)
			if got != tt.want {
				t.Fatalf("keyRefusal = %q, want %q", got, tt.want)
			}
			if random := secret[len(prefix)+1:]; strings.Contains(got, random) {
				t.Errorf("the refusal %q holds the secret", got)
			}
		})
	}
}

func TestKeyUseIsDueOncePerInterval(t *testing.T) {
	t.Parallel()
	u := newKeyUse(nil)
	start := time.Now()
	steps := []struct {
		name  string
		key   string
		after time.Duration
		want  bool
	}{
		{"a key's first use is due", "a", 0, true},
		{"a use within the interval is not", "a", 30 * time.Second, false},
		{"another key's use is due", "b", 30 * time.Second, true},
		{"a use just before the interval ends is not", "a", keyUseInterval - time.Millisecond, false},
		{"a use once the interval has passed is due", "a", keyUseInterval, true},
		{"the interval restarts from the last use written", "a", keyUseInterval + 30*time.Second, false},
	}
	for _, s := range steps {
		if got := u.due(s.key, start.Add(s.after)); got != s.want {
			t.Fatalf("%s: due(%s, +%v) = %v, want %v", s.name, s.key, s.after, got, s.want)
		}
	}
}

func TestKeyUseForgetsStaleKeys(t *testing.T) {
	t.Parallel()
	u := newKeyUse(nil)
	u.pruneAt = 4
	start := time.Now()
	for range 4 {
		u.due(uuid.NewString(), start)
	}
	u.due("fresh", start.Add(keyUseInterval))
	if len(u.recorded) != 1 {
		t.Fatalf("after the interval, %d keys remembered, want only the fresh one", len(u.recorded))
	}
	for i := range 8 {
		u.due(uuid.NewString(), start.Add(keyUseInterval+time.Duration(i)))
	}
	if len(u.recorded) != 9 {
		t.Fatalf("%d fresh keys remembered, want all 9: a fresh key is never forgotten", len(u.recorded))
	}
}

func TestKeyUseRecordsNothingOnceClosed(t *testing.T) {
	t.Parallel()
	u := newKeyUse(nil)
	u.close()
	// With a nil store, a write would panic in its goroutine.
	u.record(uuid.New(), "api_key_x", time.Now())
	u.writes.Wait()
	if len(u.recorded) != 0 {
		t.Fatalf("a closed recorder noted %d uses, want none", len(u.recorded))
	}
}
