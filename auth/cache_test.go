package auth_test

import (
	"crypto/elliptic"
	"fmt"
	mathrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
)

// t0 is the start of the tests' fake time, on a whole second as exp and
// nbf are.
var t0 = time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

// fakeClock is a clock the test sets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// clockedVerifier returns an HS256 verifier that reads the time from a
// fake clock, set to t0.
func clockedVerifier(t *testing.T) (*auth.Verifier, *fakeClock) {
	t.Helper()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	clock := &fakeClock{t: t0}
	auth.SetClock(v, clock.now)
	return v, clock
}

// timedClaims returns the claims of a token of ws that expires at exp and,
// unless nbf is zero, is not valid before nbf.
func timedClaims(ws uuid.UUID, exp, nbf time.Time) jwt.MapClaims {
	return claims(ws, func(c jwt.MapClaims) {
		c["iat"], c["exp"] = t0.Unix(), exp.Unix()
		if !nbf.IsZero() {
			c["nbf"] = nbf.Unix()
		}
	})
}

func TestVerifyAnswersATokenVerifiedBeforeFromTheCache(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	ws := uuid.New()
	cached := sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, nil))
	fresh := sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, func(c jwt.MapClaims) { c["sub"] = "user-43" }))
	if _, err := v.Verify(cached); err != nil {
		t.Fatalf("Verify refused the token: %v", err)
	}

	// Past this point the secret is wrong: only a token answered from the
	// cache, without checking its signature again, is still accepted.
	auth.SetSecret(v, otherSecret)
	if p, err := v.Verify(fresh); err == nil {
		t.Fatalf("after the secret changed, Verify accepted a token never seen as %+v; want it refused", p)
	}
	p, err := v.Verify(cached)
	if err != nil {
		t.Fatalf("after the secret changed, Verify refused the token verified before (%v); want it answered from the cache", err)
	}
	if p.WorkspaceID != ws || p.Subject != "user-42" || !slices.Equal(p.Scopes, []string{auth.ScopeRead, auth.ScopeWrite}) {
		t.Fatalf("cached Verify = %+v; want workspace %s, subject user-42, scopes read and write", p, ws)
	}
}

// TestVerifyCacheFollowsTokenValidity moves the clock about a token
// verified and cached earlier: at every step the cached verifier must say
// what a verifier without a cache says, and what the rule wants.
func TestVerifyCacheFollowsTokenValidity(t *testing.T) {
	t.Parallel()
	const skew = 30 * time.Second // the verifier's allowance for clock skew
	type step struct {
		at     time.Duration // since t0
		accept bool
	}
	tests := []struct {
		name     string
		exp, nbf time.Duration // since t0; nbf 0 for none
		steps    []step
	}{
		{
			name: "refused from exp plus clock skew, though cached before",
			exp:  20 * time.Second,
			steps: []step{
				{0, true},
				{20*time.Second + skew - time.Nanosecond, true},
				{20*time.Second + skew, false},
				{20*time.Second + skew + time.Second, false},
				{time.Hour, false},
			},
		},
		{
			name: "not valid yet is not cached, and valid from nbf less clock skew",
			exp:  time.Hour, nbf: 2 * time.Minute,
			steps: []step{
				{0, false},
				{2*time.Minute - skew - time.Nanosecond, false},
				{2*time.Minute - skew, true},
				{2*time.Minute - skew + time.Second, true},
			},
		},
		{
			name: "refused when the clock steps back before nbf less clock skew, though cached",
			exp:  time.Hour, nbf: time.Minute,
			steps: []step{
				{time.Minute, true},
				{time.Minute - skew - time.Second, false},
				{time.Minute, true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, clock := clockedVerifier(t)
			ws := uuid.New()
			var nbf time.Time
			if tt.nbf != 0 {
				nbf = t0.Add(tt.nbf)
			}
			token := sign(t, jwt.SigningMethodHS256, testSecret, timedClaims(ws, t0.Add(tt.exp), nbf))
			for _, s := range tt.steps {
				clock.set(t0.Add(s.at))
				p, err := v.Verify(token)
				_, uncachedErr := auth.VerifyUncached(v, token)
				switch {
				case (err == nil) != (uncachedErr == nil):
					t.Fatalf("at t0+%v Verify = %+v, %v; without the cache: %v", s.at, p, err, uncachedErr)
				case (err == nil) != s.accept:
					t.Fatalf("at t0+%v Verify = %+v, %v; want accepted %v", s.at, p, err, s.accept)
				case err == nil && p.WorkspaceID != ws:
					t.Fatalf("at t0+%v Verify = %+v; want workspace %s", s.at, p, ws)
				}
			}
		})
	}
}

func TestVerifyTrustsAVerificationForCachedTokenTTLAtMost(t *testing.T) {
	t.Parallel()
	v, clock := clockedVerifier(t)
	token := sign(t, jwt.SigningMethodHS256, testSecret, timedClaims(uuid.New(), t0.Add(time.Hour), time.Time{}))
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("Verify refused the token: %v", err)
	}
	auth.SetSecret(v, otherSecret)
	clock.set(t0.Add(auth.CachedTokenTTL - time.Nanosecond))
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("Verify refused the token just before the cache's cap (%v); want it answered from the cache", err)
	}
	clock.set(t0.Add(auth.CachedTokenTTL))
	if p, err := v.Verify(token); err == nil {
		t.Fatalf("Verify accepted the token as %+v at the cache's cap, with the secret changed; want it verified again and refused", p)
	}
}

func TestVerifyNeverCachesARefusal(t *testing.T) {
	t.Parallel()
	ws := uuid.New()
	valid := sign(t, jwt.SigningMethodHS256, testSecret, timedClaims(ws, t0.Add(time.Hour), time.Time{}))
	hs256 := func(exp, nbf time.Duration) string {
		var notBefore time.Time
		if nbf != 0 {
			notBefore = t0.Add(nbf)
		}
		return sign(t, jwt.SigningMethodHS256, testSecret, timedClaims(ws, t0.Add(exp), notBefore))
	}
	tests := []struct {
		name  string
		token string
	}{
		{"signed with another secret", sign(t, jwt.SigningMethodHS256, otherSecret, timedClaims(ws, t0.Add(time.Hour), time.Time{}))},
		{"signature cut short", valid[:len(valid)-8]},
		{"payload of another workspace", swapPayload(valid, sign(t, jwt.SigningMethodHS256, otherSecret, timedClaims(uuid.New(), t0.Add(time.Hour), time.Time{})))},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, timedClaims(ws, t0.Add(time.Hour), time.Time{}))},
		{"expired", hs256(-time.Minute, 0)},
		{"not valid yet", hs256(time.Hour, time.Minute)},
		{"no workspace", sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, func(c jwt.MapClaims) { delete(c, "workspace_id"); c["exp"] = t0.Add(time.Hour).Unix() }))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := clockedVerifier(t)
			for range 2 {
				if p, err := v.Verify(tt.token); err == nil {
					t.Fatalf("Verify accepted the token as %+v; want it refused", p)
				}
			}
			if n := auth.CachedTokens(v); n != 0 {
				t.Fatalf("after refusing the token the cache holds %d tokens; want 0", n)
			}
		})
	}

	// Nor is a refusal remembered: the same token is verified afresh.
	v, _ := clockedVerifier(t)
	other := sign(t, jwt.SigningMethodHS256, otherSecret, timedClaims(ws, t0.Add(time.Hour), time.Time{}))
	if _, err := v.Verify(other); err == nil {
		t.Fatal("Verify accepted a token signed with another secret")
	}
	auth.SetSecret(v, otherSecret)
	if _, err := v.Verify(other); err != nil {
		t.Fatalf("once the secret is the token's, Verify refused it (%v); want it verified afresh and accepted", err)
	}
}

func TestVerifyCacheSeparatesWorkspaces(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	wsA, wsB := uuid.New(), uuid.New()
	// Alike in everything but the workspace, down to the second they
	// expire.
	exp := time.Now().Add(time.Hour).Unix()
	same := func(c jwt.MapClaims) { c["iat"], c["exp"] = exp-3600, exp }
	tokenA := sign(t, jwt.SigningMethodHS256, testSecret, claims(wsA, same))
	tokenB := sign(t, jwt.SigningMethodHS256, testSecret, claims(wsB, same))
	for i := range 3 {
		for _, c := range []struct {
			token string
			ws    uuid.UUID
		}{{tokenA, wsA}, {tokenB, wsB}} {
			p, err := v.Verify(c.token)
			if err != nil || p.WorkspaceID != c.ws {
				t.Fatalf("round %d: Verify = %+v, %v; want workspace %s", i, p, err, c.ws)
			}
		}
	}
	// Each token's signature with the other's claims: a cache keyed by
	// less than the whole token would find the signed one.
	for _, forged := range []string{swapPayload(tokenA, tokenB), swapPayload(tokenB, tokenA)} {
		if p, err := v.Verify(forged); err == nil {
			t.Fatalf("Verify accepted a token with another token's signature as %+v; want it refused", p)
		}
	}
}

func TestVerifyReturnsAPrincipalTheCallerOwns(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	ws := uuid.New()
	token := sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, nil))
	for i := range 3 {
		p, err := v.Verify(token)
		if err != nil {
			t.Fatalf("Verify %d refused the token: %v", i, err)
		}
		if want := []string{auth.ScopeRead, auth.ScopeWrite}; p.WorkspaceID != ws || p.Subject != "user-42" || !slices.Equal(p.Scopes, want) {
			t.Fatalf("Verify %d = %+v; want workspace %s, subject user-42, scopes %v, whatever callers did to earlier results", i, p, ws, want)
		}
		p.WorkspaceID, p.Subject = uuid.New(), "intruder"
		p.Scopes[0] = auth.ScopeKeysAdmin
		p.Scopes = append(p.Scopes, auth.ScopeKeysAdmin)
	}
}

func TestVerifyCacheStaysWithinItsBound(t *testing.T) {
	t.Parallel()
	const bound = 64
	v := newVerifier(t, auth.Config{Secret: testSecret})
	auth.SetCacheSize(v, bound)
	var last string
	for i := range 10 * bound {
		ws := uuid.New()
		last = sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, nil))
		if p, err := v.Verify(last); err != nil || p.WorkspaceID != ws {
			t.Fatalf("token %d: Verify = %+v, %v; want workspace %s", i, p, err, ws)
		}
		if n := auth.CachedTokens(v); n > bound {
			t.Fatalf("after %d tokens the cache holds %d; want at most %d", i+1, n, bound)
		}
	}
	// A full cache makes room for new tokens rather than refusing them.
	auth.SetSecret(v, otherSecret)
	if _, err := v.Verify(last); err != nil {
		t.Fatalf("the last token verified is not in the full cache: %v", err)
	}
}

// TestJWKSReloadInvalidatesCachedTokens: a key taken out of the set stops
// verifying at the reload, not when the cache's entries run out; a reload
// that finds the file unchanged keeps the cache.
func TestJWKSReloadInvalidatesCachedTokens(t *testing.T) {
	t.Parallel()
	oldKey, newKey := newRSAKey(t), newRSAKey(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, path, jwk(t, "2026-01", &oldKey.PublicKey))
	v := newVerifier(t, auth.Config{JWKSFile: path, Secret: testSecret})
	ws := uuid.New()
	rs256 := signKid(t, jwt.SigningMethodRS256, oldKey, "2026-01", ws)
	hs256 := sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, nil))
	for _, token := range []string{rs256, hs256} {
		if _, err := v.Verify(token); err != nil {
			t.Fatalf("Verify refused the token: %v", err)
		}
	}
	auth.SetSecret(v, otherSecret) // from here on, hs256 is accepted only from the cache

	if err := v.ReloadJWKS(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(hs256); err != nil {
		t.Fatalf("after a reload of the unchanged key set, Verify refused a cached token (%v); want the cache kept", err)
	}

	writeJWKS(t, path, jwk(t, "2026-02", &newKey.PublicKey))
	if err := v.ReloadJWKS(); err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(rs256); err == nil {
		t.Fatalf("after its key left the set, Verify accepted a cached token as %+v; want it refused", p)
	}
	if p, err := v.Verify(hs256); err == nil {
		t.Fatalf("after the key set changed, Verify answered a token from the cache as %+v; want it verified again (and refused)", p)
	}
}

// TestVerifyConcurrently verifies tokens of many workspaces from many
// goroutines through a cache too small for them, so that lookups, inserts
// and evictions interleave; run it with -race. Each goroutine scribbles
// on the principals it gets, which the race detector reports if any is
// shared.
func TestVerifyConcurrently(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	auth.SetCacheSize(v, 32)
	workspaces := make([]uuid.UUID, 100)
	tokens := make([]string, len(workspaces))
	for i := range workspaces {
		workspaces[i] = uuid.New()
		tokens[i] = sign(t, jwt.SigningMethodHS256, testSecret, claims(workspaces[i], nil))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range cap(errs) {
		wg.Go(func() {
			for range 500 {
				i := mathrand.IntN(len(tokens))
				p, err := v.Verify(tokens[i])
				if err != nil || p.WorkspaceID != workspaces[i] || !slices.Equal(p.Scopes, []string{auth.ScopeRead, auth.ScopeWrite}) {
					errs <- fmt.Errorf("token of workspace %s: Verify = %+v, %v", workspaces[i], p, err)
					return
				}
				p.Scopes[0], p.Subject = auth.ScopeKeysAdmin, "intruder"
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// BenchmarkVerify compares verifying a token afresh with answering it from
// the cache, for each algorithm; parallel runs every goroutine on the same
// token, as a busy frontend's requests do.
func BenchmarkVerify(b *testing.B) {
	rsaKey := newRSAKey(b)
	ecKey := newECKey(b, elliptic.P256())
	edPub, edKey := newEdKey(b)
	rsaFile, _ := writePublicKey(b, &rsaKey.PublicKey)
	ecFile, _ := writePublicKey(b, &ecKey.PublicKey)
	edFile, _ := writePublicKey(b, edPub)
	ws := uuid.New()
	cases := []struct {
		name  string
		cfg   auth.Config
		token string
	}{
		{"HS256", auth.Config{Secret: testSecret}, sign(b, jwt.SigningMethodHS256, testSecret, claims(ws, nil))},
		{"RS256", auth.Config{PublicKeyFile: rsaFile}, sign(b, jwt.SigningMethodRS256, rsaKey, claims(ws, nil))},
		{"ES256", auth.Config{PublicKeyFile: ecFile}, sign(b, jwt.SigningMethodES256, ecKey, claims(ws, nil))},
		{"EdDSA", auth.Config{PublicKeyFile: edFile}, sign(b, jwt.SigningMethodEdDSA, edKey, claims(ws, nil))},
	}
	for _, c := range cases {
		v := newVerifier(b, c.cfg)
		b.Run(c.name+"/uncached", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := auth.VerifyUncached(v, c.token); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/cached", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(c.token); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/cached-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := v.Verify(c.token); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
