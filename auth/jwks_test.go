package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
)

var b64 = base64.RawURLEncoding.EncodeToString

// jwk returns the JSON Web Key of pub named kid.
func jwk(t *testing.T, kid string, pub any) map[string]string {
	t.Helper()
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}
	case ed25519.PublicKey:
		return map[string]string{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64(k)}
	}
	t.Fatalf("no JWK for %T", pub)
	return nil
}

// writeJWKS writes a key set of keys to path.
func writeJWKS(t *testing.T, path string, keys ...map[string]string) {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	// Written aside and renamed, as deployment tools do, so that a
	// reload never reads half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// signKid signs a valid token of ws with key, naming kid in its header.
func signKid(t *testing.T, method jwt.SigningMethod, key any, kid string, ws uuid.UUID) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims(ws, nil))
	if kid != "" {
		token.Header["kid"] = kid
	}
	s, err := token.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWKSKeySelection(t *testing.T) {
	t.Parallel()
	rsaKey, otherRSA := newRSAKey(t), newRSAKey(t)
	ecKey := newECKey(t, elliptic.P256())
	edPub, edKey := newEdKey(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, path, jwk(t, "rsa-1", &rsaKey.PublicKey), jwk(t, "ec-1", &ecKey.PublicKey), jwk(t, "ed-1", edPub),
		map[string]string{"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"},
		map[string]string{"kty": "EC", "kid": "p384-1", "crv": "P-384", "x": "AA", "y": "AA"})
	v := newVerifier(t, auth.Config{JWKSFile: path, Secret: testSecret})
	ws := uuid.New()
	rsaPEM := jwk(t, "x", &rsaKey.PublicKey)["n"] // the public key's bytes, as an attacker has them

	tests := []struct {
		name   string
		token  string
		accept bool
	}{
		{"RS256 by its kid", signKid(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", ws), true},
		{"ES256 by its kid", signKid(t, jwt.SigningMethodES256, ecKey, "ec-1", ws), true},
		{"EdDSA by its kid", signKid(t, jwt.SigningMethodEdDSA, edKey, "ed-1", ws), true},
		{"HS256 without kid, by the secret", signKid(t, jwt.SigningMethodHS256, testSecret, "", ws), true},
		{"unknown kid", signKid(t, jwt.SigningMethodRS256, rsaKey, "rsa-2", ws), false},
		{"kid of another key", signKid(t, jwt.SigningMethodRS256, otherRSA, "rsa-1", ws), false},
		{"kid of a key of another algorithm", signKid(t, jwt.SigningMethodES256, ecKey, "rsa-1", ws), false},
		{"HS256 naming an RSA kid, keyed with its public key", signKid(t, jwt.SigningMethodHS256, []byte(rsaPEM), "rsa-1", ws), false},
		{"HS256 naming an RSA kid, keyed with the secret", signKid(t, jwt.SigningMethodHS256, testSecret, "rsa-1", ws), false},
		{"kid of an encryption key", signKid(t, jwt.SigningMethodRS256, rsaKey, "enc-1", ws), false},
		{"kid of a skipped key", signKid(t, jwt.SigningMethodES384, newECKey(t, elliptic.P384()), "p384-1", ws), false},
		{"RS256 without kid", signKid(t, jwt.SigningMethodRS256, rsaKey, "", ws), false},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims(claims(ws, nil))), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := v.Verify(tt.token)
			switch {
			case tt.accept && (err != nil || p.WorkspaceID != ws):
				t.Fatalf("Verify = %+v, %v; want workspace %s", p, err, ws)
			case !tt.accept && !errors.Is(err, auth.ErrUnauthenticated):
				t.Fatalf("Verify = %+v, %v; want it refused", p, err)
			}
		})
	}
}

// TestJWKSRotation rotates keys the way an identity provider does: the new
// key joins the set, both verify during the overlap, then the old one
// leaves. The first change is picked up on a signal, the second on the
// file's change.
func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := newRSAKey(t), newRSAKey(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, path, jwk(t, "2026-01", &oldKey.PublicKey))
	v := newVerifier(t, auth.Config{JWKSFile: path})
	ws := uuid.New()
	oldToken := signKid(t, jwt.SigningMethodRS256, oldKey, "2026-01", ws)
	newToken := signKid(t, jwt.SigningMethodRS256, newKey, "2026-02", ws)
	verifies := func(token string) bool {
		_, err := v.Verify(token)
		return err == nil
	}
	if !verifies(oldToken) || verifies(newToken) {
		t.Fatalf("before the rotation: old key verifies %v, new key %v; want only the old", verifies(oldToken), verifies(newToken))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	go v.WatchJWKS(ctx, 20*time.Millisecond, hup)

	writeJWKS(t, path, jwk(t, "2026-01", &oldKey.PublicKey), jwk(t, "2026-02", &newKey.PublicKey))
	hup <- os.Interrupt // stands for SIGHUP
	waitFor(t, "the new key to verify", func() bool { return verifies(newToken) })
	if !verifies(oldToken) {
		t.Fatal("during the overlap the old key no longer verifies; want both keys to")
	}

	if err := os.WriteFile(path, []byte(`{"keys": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // a few checks of the broken file
	if !verifies(oldToken) || !verifies(newToken) {
		t.Fatal("a broken key set file was put in use; want the keys in use to stay")
	}

	writeJWKS(t, path, jwk(t, "2026-02", &newKey.PublicKey))
	waitFor(t, "the old key to be refused", func() bool { return !verifies(oldToken) })
	if !verifies(newToken) {
		t.Fatal("after the rotation the new key does not verify")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJWKSRefusesBadSets(t *testing.T) {
	t.Parallel()
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecKey := newECKey(t, elliptic.P256())
	offCurve := jwk(t, "ec", &ecKey.PublicKey)
	offCurve["y"] = offCurve["x"]
	edPub, _ := newEdKey(t)
	shortEd := jwk(t, "ed", edPub)
	shortEd["x"] = b64(edPub[:31])
	tests := []struct {
		name        string
		data        string
		wantMention string
	}{
		{"not JSON", `{"keys": [`, "JSON Web Key Set"},
		{"no keys", `{"keys": []}`, "no signing key"},
		{"only an encryption key", mustJSON(t, map[string]any{"keys": []any{map[string]string{"kty": "RSA", "kid": "e", "use": "enc"}}}), "no signing key"},
		{"a 1024-bit RSA key", mustJSON(t, map[string]any{"keys": []any{jwk(t, "weak", &weak.PublicKey)}}), "1024 bits"},
		{"an EC point off the curve", mustJSON(t, map[string]any{"keys": []any{offCurve}}), "EC point"},
		{"an Ed25519 key of 31 bytes", mustJSON(t, map[string]any{"keys": []any{shortEd}}), "31 bytes"},
		{"a kid twice", mustJSON(t, map[string]any{"keys": []any{jwk(t, "k", edPub), jwk(t, "k", edPub)}}), "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "jwks.json")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			v, err := auth.NewVerifier(auth.Config{JWKSFile: path})
			if err == nil || !strings.Contains(err.Error(), tt.wantMention) || !strings.Contains(err.Error(), "JWT_JWKS_FILE") {
				t.Fatalf("NewVerifier = %v, %v; want an error naming JWT_JWKS_FILE and mentioning %q", v, err, tt.wantMention)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
