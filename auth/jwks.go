package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/contacts-api/contacts/periodic"
)

// minRSABits is the smallest RSA key a key set may hold.
const minRSABits = 2048

// jwksAlgs are the algorithms of the keys a key set may hold.
var jwksAlgs = []string{"RS256", "ES256", "EdDSA"}

// namedKey is a key of a JSON Web Key Set, with the one algorithm it
// verifies.
type namedKey struct {
	alg string
	key crypto.PublicKey
}

// keySet is a loaded JSON Web Key Set: its keys by kid, and the file's
// contents they came from.
type keySet struct {
	keys map[string]namedKey
	data []byte
}

// jsonWebKey is a key of a JSON Web Key Set (RFC 7517), with the members
// of RSA (RFC 7518), EC P-256 and OKP Ed25519 (RFC 8037) public keys.
type jsonWebKey struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS returns the signing keys of a JSON Web Key Set by kid. Keys
// for encryption or of other types are skipped and named in skipped; a
// malformed key of a supported type, a repeated kid or a set without a
// usable key is an error.
func parseJWKS(data []byte) (keys map[string]namedKey, skipped []string, err error) {
	var set struct {
		Keys []jsonWebKey `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	keys = map[string]namedKey{}
	for i, jwk := range set.Keys {
		if jwk.Kid == "" || jwk.Use != "" && jwk.Use != "sig" {
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q, use %q)", i, jwk.Kid, jwk.Use))
			continue
		}
		if _, dup := keys[jwk.Kid]; dup {
			return nil, nil, fmt.Errorf("kid %q appears twice", jwk.Kid)
		}
		k, ok, err := jwk.publicKey()
		if err != nil {
			return nil, nil, fmt.Errorf("key %q: %w", jwk.Kid, err)
		}
		if !ok || jwk.Alg != "" && jwk.Alg != k.alg {
			skipped = append(skipped, fmt.Sprintf("key %q (kty %q, crv %q, alg %q)", jwk.Kid, jwk.Kty, jwk.Crv, jwk.Alg))
			continue
		}
		keys[jwk.Kid] = k
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("no signing key of %s (skipped: %s)", strings.Join(jwksAlgs, ", "), strings.Join(skipped, "; "))
	}
	return keys, skipped, nil
}

// publicKey decodes the key; ok is false for a type it does not support.
func (jwk jsonWebKey) publicKey() (k namedKey, ok bool, err error) {
	switch {
	case jwk.Kty == "RSA":
		k.alg, k.key, err = jwk.rsaKey()
	case jwk.Kty == "EC" && jwk.Crv == "P-256":
		k.alg, k.key, err = jwk.ecKey()
	case jwk.Kty == "OKP" && jwk.Crv == "Ed25519":
		k.alg, k.key, err = jwk.edKey()
	default:
		return k, false, nil
	}
	return k, err == nil, err
}

func (jwk jsonWebKey) rsaKey() (string, crypto.PublicKey, error) {
	var d memberDecoder
	n, e := d.decode("n", jwk.N, 0), d.decode("e", jwk.E, 0)
	if d.err != nil {
		return "", nil, d.err
	}
	key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	switch {
	case len(e) > 4 || key.E < 3 || key.E%2 == 0:
		return "", nil, errors.New("the RSA exponent e is not an odd number from 3 to 2^31")
	case key.N.BitLen() < minRSABits:
		return "", nil, fmt.Errorf("the RSA key has %d bits; at least %d are needed", key.N.BitLen(), minRSABits)
	}
	return "RS256", key, nil
}

func (jwk jsonWebKey) ecKey() (string, crypto.PublicKey, error) {
	var d memberDecoder
	x, y := d.decode("x", jwk.X, 32), d.decode("y", jwk.Y, 32)
	if d.err != nil {
		return "", nil, d.err
	}
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, x, y))
	if err != nil {
		return "", nil, fmt.Errorf("the EC point: %w", err)
	}
	return "ES256", key, nil
}

func (jwk jsonWebKey) edKey() (string, crypto.PublicKey, error) {
	var d memberDecoder
	x := d.decode("x", jwk.X, ed25519.PublicKeySize)
	if d.err != nil {
		return "", nil, d.err
	}
	return "EdDSA", ed25519.PublicKey(x), nil
}

// memberDecoder decodes the members of a key until one fails, and keeps
// why: a key of several members then checks for a failure once.
type memberDecoder struct{ err error }

// decode decodes a base64url member, of size bytes unless size is 0; nil
// once a member has failed.
func (d *memberDecoder) decode(name, value string, size int) []byte {
	if d.err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(value, "="))
	switch {
	case err != nil || len(b) == 0:
		d.err = fmt.Errorf("member %s is not base64url", name)
	case size > 0 && len(b) != size:
		d.err = fmt.Errorf("member %s has %d bytes, not %d", name, len(b), size)
	}
	if d.err != nil {
		return nil
	}
	return b
}

// loadJWKS reads the key set file and puts its keys in use, unless they
// are the ones in use already; on failure the keys in use stay.
func (v *Verifier) loadJWKS() (changed bool, err error) {
	data, err := os.ReadFile(v.jwksFile)
	if err != nil {
		return false, fmt.Errorf("read JWT_JWKS_FILE: %w", err)
	}
	if current := v.jwks.Load(); current != nil && bytes.Equal(current.data, data) {
		return false, nil
	}
	keys, skipped, err := parseJWKS(data)
	if err != nil {
		return false, fmt.Errorf("JWT_JWKS_FILE %s: %w", v.jwksFile, err)
	}
	if len(skipped) > 0 {
		slog.Warn("JWT_JWKS_FILE: keys skipped", "file", v.jwksFile, "skipped", skipped)
	}
	v.jwks.Store(&keySet{keys: keys, data: data})
	return true, nil
}

// ReloadJWKS reads JWT_JWKS_FILE again and puts its keys in use; on
// failure the keys in use stay. It does nothing without a key set file.
func (v *Verifier) ReloadJWKS() error {
	if v.jwksFile == "" {
		return nil
	}
	changed, err := v.loadJWKS()
	if changed {
		kids := make([]string, 0, len(v.jwks.Load().keys))
		for kid := range v.jwks.Load().keys {
			kids = append(kids, kid)
		}
		slices.Sort(kids)
		slog.Info("JWT_JWKS_FILE reloaded", "file", v.jwksFile, "kids", kids)
	}
	return err
}

// WatchJWKS reloads the key set when its file changes, looking every
// interval, and whenever reload receives (SIGHUP), until ctx ends. A file
// that does not load is logged, and the keys in use stay.
func (v *Verifier) WatchJWKS(ctx context.Context, interval time.Duration, reload <-chan os.Signal) {
	if v.jwksFile == "" {
		return
	}
	periodic.Run(ctx, interval, reload, func(context.Context) { v.reloadLogged() })
}

func (v *Verifier) reloadLogged() {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("panic while reloading JWT_JWKS_FILE", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	if err := v.ReloadJWKS(); err != nil {
		slog.Error("JWT_JWKS_FILE not reloaded; the keys in use stay", "error", err)
	}
}
