package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// clockSkew is how far the clocks of issuer and server may disagree.
const clockSkew = 30 * time.Second

// ErrUnauthenticated is returned for every token that does not verify; the
// reason is logged, never shown to the client.
var ErrUnauthenticated = errors.New("unauthenticated")

// Config says which keys and claims a token must match.
type Config struct {
	// Secret is the HS256 shared secret; empty to refuse HS256.
	Secret []byte
	// PublicKeyFile is a PEM file with an RSA, ECDSA (P-256) or Ed25519
	// public key; empty to accept only HS256.
	PublicKeyFile string
	// JWKSFile is a JSON Web Key Set whose keys verify the tokens that
	// name them in their kid header (RS256, ES256 or EdDSA); WatchJWKS
	// reloads it. Empty for none.
	JWKSFile string
	// Issuer and Audience are enforced when set.
	Issuer   string
	Audience string
}

// Verifier checks bearer tokens against the configured keys.
type Verifier struct {
	secret    []byte
	publicKey crypto.PublicKey
	publicAlg string
	jwksFile  string
	jwks      atomic.Pointer[keySet]
	parser    *jwt.Parser
	cache     *tokenCache
	// now is the clock of the claims' checks, time.Now but in tests.
	now func() time.Time
}

// Claims are the claims of a contacts token.
type Claims struct {
	WorkspaceID string `json:"workspace_id"`
	Scope       string `json:"scope"`
	jwt.RegisteredClaims
}

// NewVerifier loads the keys of cfg. It fails when no key is configured.
func NewVerifier(cfg Config) (*Verifier, error) {
	v := &Verifier{secret: cfg.Secret, jwksFile: cfg.JWKSFile, cache: newTokenCache(maxCachedTokens), now: time.Now}
	if cfg.PublicKeyFile != "" {
		if err := v.loadPublicKey(cfg.PublicKeyFile); err != nil {
			return nil, err
		}
	}
	var algs []string
	if len(v.secret) > 0 {
		algs = append(algs, "HS256")
	}
	if v.publicAlg != "" {
		algs = append(algs, v.publicAlg)
	}
	if v.jwksFile != "" {
		if _, err := v.loadJWKS(); err != nil {
			return nil, err
		}
		// A reload may bring keys of any of them; each key verifies its
		// own algorithm only (see keyFor).
		algs = append(algs, jwksAlgs...)
	}
	if len(algs) == 0 {
		return nil, errors.New("no token key configured: set JWT_SECRET (HS256), JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE (RS256, ES256 or EdDSA)")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
		// Through v, so that a test's clock reaches the parser too.
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
		// Refuse encodings with stray bits, so one signature has one form.
		jwt.WithStrictDecoding(),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

func (v *Verifier) loadPublicKey(path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read JWT_PUBLIC_KEY_FILE: %w", err)
	}
	if key, err := jwt.ParseRSAPublicKeyFromPEM(pem); err == nil {
		v.publicKey, v.publicAlg = key, "RS256"
		return nil
	}
	if key, err := jwt.ParseECPublicKeyFromPEM(pem); err == nil {
		if key.Curve != elliptic.P256() {
			return fmt.Errorf("JWT_PUBLIC_KEY_FILE %s holds an ECDSA key on %s; ES256 needs a P-256 key", path, key.Curve.Params().Name)
		}
		v.publicKey, v.publicAlg = key, "ES256"
		return nil
	}
	if key, err := jwt.ParseEdPublicKeyFromPEM(pem); err == nil {
		v.publicKey, v.publicAlg = key, "EdDSA"
		return nil
	}
	return fmt.Errorf("JWT_PUBLIC_KEY_FILE %s holds no RSA, ECDSA or Ed25519 public key in PEM form", path)
}

// keyFor picks the key for the token. With a key set, a token that names a
// kid is verified by that key alone, in its own algorithm; an unknown kid
// fails. Otherwise the key is chosen by the token's algorithm, which was
// already checked against the configured ones, and each algorithm family
// gets only its own key type, so an HS256 token signed with a public key's
// PEM fails.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	if kid, named := t.Header["kid"]; named && v.jwksFile != "" {
		return v.namedKey(kid, t.Method.Alg())
	}
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		return v.secret, nil
	case *jwt.SigningMethodRSA:
		if k, ok := v.publicKey.(*rsa.PublicKey); ok {
			return k, nil
		}
	case *jwt.SigningMethodECDSA:
		if k, ok := v.publicKey.(*ecdsa.PublicKey); ok {
			return k, nil
		}
	case *jwt.SigningMethodEd25519:
		if k, ok := v.publicKey.(ed25519.PublicKey); ok {
			return k, nil
		}
	}
	return nil, fmt.Errorf("no key for algorithm %s", t.Method.Alg())
}

// namedKey returns the key set's key named kid, when it verifies alg.
func (v *Verifier) namedKey(kid any, alg string) (any, error) {
	name, _ := kid.(string)
	k, ok := v.jwks.Load().keys[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("no key has kid %v", kid)
	case k.alg != alg:
		return nil, fmt.Errorf("key %q verifies %s, not %s", name, k.alg, alg)
	}
	return k.key, nil
}

// MaxTokenLength bounds the work spent on garbage: longer tokens are
// refused unread.
const MaxTokenLength = 8 << 10

// Verify checks a bearer token and returns its principal, which is the
// caller's own to change. Every failure wraps ErrUnauthenticated. A token
// verified before is answered from the cache, with the same result.
func (v *Verifier) Verify(token string) (*Principal, error) {
	if len(token) > MaxTokenLength {
		return nil, fmt.Errorf("%w: token longer than %d bytes", ErrUnauthenticated, MaxTokenLength)
	}
	key, now := keyOf(token), v.now()
	// The key set is read before verifying: should a reload come in
	// between, the entry is tagged with the older set and found stale,
	// never the other way round.
	keys := v.jwks.Load()
	if p, ok := v.cache.get(key, now, keys); ok {
		return p, nil
	}
	p, claims, err := v.verify(token)
	if err != nil {
		return nil, err
	}
	e := cachedToken{principal: *p, until: claims.ExpiresAt.Add(clockSkew), keys: keys}
	if claims.NotBefore != nil {
		e.from = claims.NotBefore.Add(-clockSkew)
	}
	if capped := now.Add(cachedTokenTTL); capped.Before(e.until) {
		e.until = capped
	}
	v.cache.put(key, e)
	return p, nil
}

// verify checks a bearer token's form, signature and claims, and returns
// its principal and claims.
func (v *Verifier) verify(token string) (*Principal, *Claims, error) {
	if i := strings.IndexFunc(token, notCompactJWS); i >= 0 {
		// Go's base64 skips line breaks, which would let one signed token
		// be written many ways; a compact JWS has none.
		return nil, nil, fmt.Errorf("%w: byte %d is not base64url or a dot", ErrUnauthenticated, i)
	}
	var claims Claims
	if _, err := v.parser.ParseWithClaims(token, &claims, v.keyFor); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	ws, err := uuid.Parse(claims.WorkspaceID)
	if err != nil || ws == uuid.Nil {
		return nil, nil, fmt.Errorf("%w: workspace_id is not a UUID", ErrUnauthenticated)
	}
	return &Principal{WorkspaceID: ws, Subject: claims.Subject, Scopes: strings.Fields(claims.Scope)}, &claims, nil
}

// TokenRequest describes a token to mint.
type TokenRequest struct {
	WorkspaceID uuid.UUID
	Scope       string
	Subject     string
	Issuer      string
	Audience    string
	TTL         time.Duration
}

// notCompactJWS reports whether r cannot appear in a compact JWS: the
// base64url alphabet and the dots between the parts.
func notCompactJWS(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// Mint signs an HS256 token, for development and tests.
func Mint(secret []byte, req TokenRequest) (string, error) {
	now := time.Now()
	claims := Claims{
		WorkspaceID: req.WorkspaceID.String(),
		Scope:       req.Scope,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   req.Subject,
			Issuer:    req.Issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(req.TTL)),
		},
	}
	if req.Audience != "" {
		claims.Audience = jwt.ClaimStrings{req.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
