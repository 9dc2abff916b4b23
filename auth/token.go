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
	// Issuer and Audience are enforced when set.
	Issuer   string
	Audience string
}

// Verifier checks bearer tokens against the configured keys.
type Verifier struct {
	secret    []byte
	publicKey crypto.PublicKey
	publicAlg string
	parser    *jwt.Parser
}

// Claims are the claims of a contacts token.
type Claims struct {
	WorkspaceID string `json:"workspace_id"`
	Scope       string `json:"scope"`
	jwt.RegisteredClaims
}

// NewVerifier loads the keys of cfg. It fails when no key is configured.
func NewVerifier(cfg Config) (*Verifier, error) {
	v := &Verifier{secret: cfg.Secret}
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
	if len(algs) == 0 {
		return nil, errors.New("no token key configured: set JWT_SECRET (HS256) or JWT_PUBLIC_KEY_FILE (RS256, ES256 or EdDSA)")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
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

// keyFor picks the key for the token's algorithm. The algorithm was already
// checked against the configured ones, and each algorithm family gets only
// its own key type, so an HS256 token signed with a public key's PEM fails.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
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

// maxTokenLength bounds the work spent on garbage.
const maxTokenLength = 8 << 10

// Verify checks a bearer token and returns its principal. Every failure
// wraps ErrUnauthenticated.
func (v *Verifier) Verify(token string) (*Principal, error) {
	if len(token) > maxTokenLength {
		return nil, fmt.Errorf("%w: token longer than %d bytes", ErrUnauthenticated, maxTokenLength)
	}
	var claims Claims
	if _, err := v.parser.ParseWithClaims(token, &claims, v.keyFor); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	ws, err := uuid.Parse(claims.WorkspaceID)
	if err != nil || ws == uuid.Nil {
		return nil, fmt.Errorf("%w: workspace_id is not a UUID", ErrUnauthenticated)
	}
	return &Principal{WorkspaceID: ws, Subject: claims.Subject, Scopes: strings.Fields(claims.Scope)}, nil
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
