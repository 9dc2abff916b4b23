package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contacts-api/contacts/auth"
)

// FuzzVerify checks that no token is accepted without a valid signature:
// whatever the fuzzer makes of a real token, Verify either refuses it or
// it is the real token itself.
func FuzzVerify(f *testing.F) {
	secret := []byte("fuzz-secret-0123456789abcdef0123456789")
	v, err := auth.NewVerifier(auth.Config{Secret: secret})
	if err != nil {
		f.Fatal(err)
	}
	// The same token in every fuzzing process: fixed claims, far expiry.
	valid, err := jwt.NewWithClaims(jwt.SigningMethodHS256, auth.Claims{
		WorkspaceID: "6f1c7a52-8d0e-4e4b-9a51-3f3f0d6f2b10", Scope: auth.ScopeRead,
		RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))},
	}).SignedString(secret)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{valid, valid + "x", "", "a.b.c", "eyJhbGciOiJub25lIn0.eyJ3b3Jrc3BhY2VfaWQiOiIxIn0.", valid[:len(valid)-2]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(token)
		if err != nil {
			if p != nil || !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatalf("Verify(%q) = %v, %v; a refusal must be nil and ErrUnauthenticated", token, p, err)
			}
			return
		}
		if token != valid {
			t.Fatalf("accepted %q, which is not the token that was signed", token)
		}
	})
}
