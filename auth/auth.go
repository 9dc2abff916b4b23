// Package auth verifies bearer tokens and carries the verified caller,
// whose workspace scopes every query, through the request's context.
package auth

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// Scopes a token or API key may carry.
const (
	ScopeRead  = "contacts:read"
	ScopeWrite = "contacts:write"
	// ScopeKeysAdmin allows listing, creating and revoking the
	// workspace's API keys.
	ScopeKeysAdmin = "keys:admin"
)

// Scopes are all the scopes there are.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeKeysAdmin}

// Principal is the verified caller of a request: the bearer of a JWT or
// of an API key.
type Principal struct {
	WorkspaceID uuid.UUID
	// Subject names the caller in logs: a JWT's sub claim, or an API
	// key's public prefix.
	Subject string
	Scopes  []string
}

// Can reports whether the principal holds scope. Writing implies reading:
// a mutation returns the records it wrote.
func (p *Principal) Can(scope string) bool {
	if slices.Contains(p.Scopes, scope) {
		return true
	}
	return scope == ScopeRead && slices.Contains(p.Scopes, ScopeWrite)
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, or nil when the request was
// not authenticated.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
