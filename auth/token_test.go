package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
)

var (
	testSecret  = []byte("auth-test-secret-0123456789abcdef0123456789")
	otherSecret = []byte("another-secret-0123456789abcdef0123456789ab")
)

const (
	testIssuer   = "https://issuer.example"
	testAudience = "contacts-api"
)

// writePublicKey writes pub as a PEM "PUBLIC KEY" file and returns its path
// and contents.
func writePublicKey(t testing.TB, pub crypto.PublicKey) (string, []byte) {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	path := filepath.Join(t.TempDir(), "public.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write public key: %v", err)
	}
	return path, data
}

func newRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	return key
}

func newECKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	return key
}

func newEdKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("generate Ed25519 key: %v", err)
	}
	return public, private
}

func newVerifier(t testing.TB, cfg auth.Config) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier(%+v): %v", cfg, err)
	}
	return v
}

// claims returns the claims of a valid token of ws, changed by edit.
func claims(ws uuid.UUID, edit func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"workspace_id": ws.String(),
		"scope":        auth.ScopeRead + " " + auth.ScopeWrite,
		"sub":          "user-42",
		"iat":          now.Unix(),
		"exp":          now.Add(time.Hour).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func sign(t testing.TB, method jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s token: %v", method.Alg(), err)
	}
	return token
}

// swapPayload returns token with the payload of other and its own header
// and signature.
func swapPayload(token, other string) string {
	parts, otherParts := strings.Split(token, "."), strings.Split(other, ".")
	return parts[0] + "." + otherParts[1] + "." + parts[2]
}

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	t.Parallel()
	p384 := newECKey(t, elliptic.P384())
	p384File, _ := writePublicKey(t, &p384.PublicKey)
	garbageFile := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbageFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		cfg         auth.Config
		wantMention string
	}{
		{"no key at all", auth.Config{}, "JWT_SECRET"},
		{"empty secret", auth.Config{Secret: []byte{}}, "JWT_SECRET"},
		{"issuer and audience but no key", auth.Config{Issuer: testIssuer, Audience: testAudience}, "JWT_SECRET"},
		{"missing public key file", auth.Config{PublicKeyFile: filepath.Join(t.TempDir(), "absent.pem")}, "JWT_PUBLIC_KEY_FILE"},
		{"public key file without a key", auth.Config{PublicKeyFile: garbageFile}, "JWT_PUBLIC_KEY_FILE"},
		// ES256 needs P-256: a P-384 key would verify no token at all, so
		// the service would start and refuse every request.
		{"ECDSA key on P-384", auth.Config{PublicKeyFile: p384File}, "P-256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := auth.NewVerifier(tt.cfg)
			if err == nil {
				t.Fatalf("NewVerifier(%+v) = %v, nil; want an error mentioning %s", tt.cfg, v, tt.wantMention)
			}
			if !strings.Contains(err.Error(), tt.wantMention) {
				t.Fatalf("NewVerifier(%+v) error = %q; want it to mention %s", tt.cfg, err, tt.wantMention)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ws := uuid.New()
	rsaKey, otherRSAKey := newRSAKey(t), newRSAKey(t)
	rsaFile, rsaPEM := writePublicKey(t, &rsaKey.PublicKey)

	hs := newVerifier(t, auth.Config{Secret: testSecret})
	rs := newVerifier(t, auth.Config{PublicKeyFile: rsaFile})
	both := newVerifier(t, auth.Config{Secret: testSecret, PublicKeyFile: rsaFile})
	strict := newVerifier(t, auth.Config{Secret: testSecret, Issuer: testIssuer, Audience: testAudience})

	ago := func(d time.Duration) int64 { return time.Now().Add(-d).Unix() }
	set := func(key string, value any) func(jwt.MapClaims) {
		return func(c jwt.MapClaims) { c[key] = value }
	}
	unset := func(key string) func(jwt.MapClaims) {
		return func(c jwt.MapClaims) { delete(c, key) }
	}
	hs256 := func(edit func(jwt.MapClaims)) string {
		return sign(t, jwt.SigningMethodHS256, testSecret, claims(ws, edit))
	}
	valid := hs256(nil)
	minted := func(req auth.TokenRequest) string {
		token, err := auth.Mint(testSecret, req)
		if err != nil {
			t.Fatalf("Mint: %v", err)
		}
		return token
	}

	tests := []struct {
		name     string
		verifier *auth.Verifier
		token    string
		accept   bool
	}{
		{"valid HS256", hs, valid, true},
		{"alg none", hs, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(ws, nil)), false},
		{"alg none with a public key configured", rs, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(ws, nil)), false},
		{"HS256 keyed with the RSA public key PEM, RSA only", rs, sign(t, jwt.SigningMethodHS256, rsaPEM, claims(ws, nil)), false},
		{"HS256 keyed with the RSA public key PEM, RSA and secret", both, sign(t, jwt.SigningMethodHS256, rsaPEM, claims(ws, nil)), false},
		{"HS256 when only a public key is configured", rs, hs256(nil), false},
		{"HS512 with the right secret", hs, sign(t, jwt.SigningMethodHS512, testSecret, claims(ws, nil)), false},
		{"expired a minute ago", hs, hs256(set("exp", ago(time.Minute))), false},
		{"expired 10s ago, within clock skew", hs, hs256(set("exp", ago(10*time.Second))), true},
		{"expired 40s ago, beyond clock skew", hs, hs256(set("exp", ago(40*time.Second))), false},
		{"no exp", hs, hs256(unset("exp")), false},
		{"nbf a minute ahead", hs, hs256(set("nbf", ago(-time.Minute))), false},
		{"nbf 10s ahead, within clock skew", hs, hs256(set("nbf", ago(-10*time.Second))), true},
		{"nbf 40s ahead, beyond clock skew", hs, hs256(set("nbf", ago(-40*time.Second))), false},
		{"right issuer and audience", strict, hs256(func(c jwt.MapClaims) { c["iss"] = testIssuer; c["aud"] = testAudience }), true},
		{"right audience among others", strict, hs256(func(c jwt.MapClaims) { c["iss"] = testIssuer; c["aud"] = []string{"billing", testAudience} }), true},
		{"minted with issuer and audience", strict, minted(auth.TokenRequest{WorkspaceID: ws, Scope: auth.ScopeRead, Subject: "user-42", Issuer: testIssuer, Audience: testAudience, TTL: time.Hour}), true},
		{"wrong issuer", strict, hs256(func(c jwt.MapClaims) { c["iss"] = "https://evil.example"; c["aud"] = testAudience }), false},
		{"no issuer when one is required", strict, hs256(set("aud", testAudience)), false},
		{"wrong audience", strict, hs256(func(c jwt.MapClaims) { c["iss"] = testIssuer; c["aud"] = "billing" }), false},
		{"no audience when one is required", strict, hs256(set("iss", testIssuer)), false},
		{"no workspace_id", hs, hs256(unset("workspace_id")), false},
		{"empty workspace_id", hs, hs256(set("workspace_id", "")), false},
		{"non-UUID workspace_id", hs, hs256(set("workspace_id", "acme")), false},
		{"nil UUID workspace_id", hs, hs256(set("workspace_id", uuid.Nil.String())), false},
		{"numeric workspace_id", hs, hs256(set("workspace_id", 42)), false},
		{"signed with another secret", hs, sign(t, jwt.SigningMethodHS256, otherSecret, claims(ws, nil)), false},
		{"payload of another workspace", hs, swapPayload(valid, sign(t, jwt.SigningMethodHS256, otherSecret, claims(uuid.New(), nil))), false},
		{"signature cut short", hs, valid[:len(valid)-8], false},
		{"RS256 with the right key", rs, sign(t, jwt.SigningMethodRS256, rsaKey, claims(ws, nil)), true},
		{"RS256 signed by another RSA key", rs, sign(t, jwt.SigningMethodRS256, otherRSAKey, claims(ws, nil)), false},
		{"RS256 when only a secret is configured", hs, sign(t, jwt.SigningMethodRS256, rsaKey, claims(ws, nil)), false},
		{"empty token", hs, "", false},
		{"two segments", hs, "abc.def", false},
		{"4 KB of garbage in three segments", hs, strings.Repeat("x", 2000) + "." + strings.Repeat("y", 2000) + "." + strings.Repeat("z", 100), false},
		{"1 MB of garbage", hs, strings.Repeat("garbage.", 1<<17), false},
		{"1 MB of garbage, RSA", rs, strings.Repeat("A", 1<<20), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.verifier.Verify(tt.token)
			if !tt.accept {
				if err == nil {
					t.Fatalf("Verify accepted the token as %+v; want it refused", p)
				}
				if !errors.Is(err, auth.ErrUnauthenticated) {
					t.Fatalf("Verify error = %v; want one that wraps auth.ErrUnauthenticated", err)
				}
				if p != nil {
					t.Fatalf("Verify returned principal %+v with error %v; want nil", p, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify refused the token: %v; want it accepted", err)
			}
			if p == nil || p.WorkspaceID != ws {
				t.Fatalf("Verify = %+v; want workspace %s", p, ws)
			}
		})
	}
}

func TestVerifyAcceptsEachAlgorithm(t *testing.T) {
	t.Parallel()
	rsaKey := newRSAKey(t)
	ecKey := newECKey(t, elliptic.P256())
	edPub, edKey := newEdKey(t)
	ws := uuid.New()
	rsaFile, _ := writePublicKey(t, &rsaKey.PublicKey)
	ecFile, _ := writePublicKey(t, &ecKey.PublicKey)
	edFile, _ := writePublicKey(t, edPub)

	token, err := auth.Mint(testSecret, auth.TokenRequest{
		WorkspaceID: ws, Scope: auth.ScopeRead + " " + auth.ScopeWrite, Subject: "user-42", TTL: time.Hour,
	})
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	tests := []struct {
		name  string
		cfg   auth.Config
		token string
	}{
		{"HS256 via Mint", auth.Config{Secret: testSecret}, token},
		{"RS256", auth.Config{PublicKeyFile: rsaFile}, sign(t, jwt.SigningMethodRS256, rsaKey, claims(ws, nil))},
		{"ES256", auth.Config{PublicKeyFile: ecFile}, sign(t, jwt.SigningMethodES256, ecKey, claims(ws, nil))},
		{"EdDSA", auth.Config{PublicKeyFile: edFile}, sign(t, jwt.SigningMethodEdDSA, edKey, claims(ws, nil))},
		{"HS256 with a public key also configured", auth.Config{Secret: testSecret, PublicKeyFile: ecFile}, token},
		{"ES256 with a secret also configured", auth.Config{Secret: testSecret, PublicKeyFile: ecFile}, sign(t, jwt.SigningMethodES256, ecKey, claims(ws, nil))},
	}
	wantScopes := []string{auth.ScopeRead, auth.ScopeWrite}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newVerifier(t, tt.cfg).Verify(tt.token)
			if err != nil {
				t.Fatalf("Verify refused the token: %v; want it accepted", err)
			}
			if p.WorkspaceID != ws || p.Subject != "user-42" || !slices.Equal(p.Scopes, wantScopes) {
				t.Fatalf("Verify = %+v; want workspace %s, subject user-42, scopes %v", p, ws, wantScopes)
			}
		})
	}
}

func TestVerifySplitsScopes(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	tests := []struct {
		name  string
		scope any
		want  []string
	}{
		{"none", nil, nil},
		{"empty", "", nil},
		{"one", auth.ScopeRead, []string{auth.ScopeRead}},
		{"extra spaces", "  contacts:read   contacts:write ", []string{auth.ScopeRead, auth.ScopeWrite}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := sign(t, jwt.SigningMethodHS256, testSecret, claims(uuid.New(), func(c jwt.MapClaims) {
				if tt.scope == nil {
					delete(c, "scope")
				} else {
					c["scope"] = tt.scope
				}
			}))
			p, err := v.Verify(token)
			if err != nil {
				t.Fatalf("Verify refused the token: %v", err)
			}
			if !slices.Equal(p.Scopes, tt.want) {
				t.Fatalf("scope %q gave scopes %q; want %q", tt.scope, p.Scopes, tt.want)
			}
		})
	}
}

// TestPrincipalCredential: a credential's name is the same for every
// request of its caller and differs for every other caller.
func TestPrincipalCredential(t *testing.T) {
	t.Parallel()
	ws := uuid.New()
	jwt := &auth.Principal{WorkspaceID: ws, Subject: "ada", Scopes: []string{auth.ScopeRead, auth.ScopeWrite}}
	tests := []struct {
		name string
		p    *auth.Principal
		same bool
	}{
		{"the same subject with its scopes in another order", &auth.Principal{WorkspaceID: ws, Subject: "ada", Scopes: []string{auth.ScopeWrite, auth.ScopeRead}}, true},
		{"the same subject with fewer scopes", &auth.Principal{WorkspaceID: ws, Subject: "ada", Scopes: []string{auth.ScopeRead}}, false},
		{"the same subject without scopes", &auth.Principal{WorkspaceID: ws, Subject: "ada"}, false},
		{"another subject with the same scopes", &auth.Principal{WorkspaceID: ws, Subject: "grace", Scopes: jwt.Scopes}, false},
		{"a subject that spells the scopes", &auth.Principal{WorkspaceID: ws, Subject: auth.ScopeRead + " " + auth.ScopeWrite + "\x00ada"}, false},
		{"an API key whose prefix is the subject", &auth.Principal{WorkspaceID: ws, Subject: "ada", Scopes: jwt.Scopes, APIKeyID: "api_key_1"}, false},
	}
	for _, tt := range tests {
		if same := tt.p.Credential() == jwt.Credential(); same != tt.same {
			t.Errorf("%s: same credential as %+v = %v; want %v", tt.name, jwt, same, tt.same)
		}
	}
	key := &auth.Principal{WorkspaceID: ws, Subject: "ck_12345678", Scopes: []string{auth.ScopeRead}, APIKeyID: "api_key_1"}
	other := &auth.Principal{WorkspaceID: ws, Subject: "ck_12345678", Scopes: []string{auth.ScopeRead}, APIKeyID: "api_key_2"}
	if key.Credential() == other.Credential() {
		t.Errorf("two API keys share the credential %q; want each its own", key.Credential())
	}
}

func TestPrincipalCan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scopes    []string
		wantRead  bool
		wantWrite bool
	}{
		{"no scopes", nil, false, false},
		{"read only", []string{auth.ScopeRead}, true, false},
		{"write implies read", []string{auth.ScopeWrite}, true, true},
		{"read and write", []string{auth.ScopeRead, auth.ScopeWrite}, true, true},
		{"unrelated scope", []string{"billing:write"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &auth.Principal{WorkspaceID: uuid.New(), Scopes: tt.scopes}
			if got := p.Can(auth.ScopeRead); got != tt.wantRead {
				t.Errorf("scopes %v: Can(%s) = %v; want %v", tt.scopes, auth.ScopeRead, got, tt.wantRead)
			}
			if got := p.Can(auth.ScopeWrite); got != tt.wantWrite {
				t.Errorf("scopes %v: Can(%s) = %v; want %v", tt.scopes, auth.ScopeWrite, got, tt.wantWrite)
			}
		})
	}
}
