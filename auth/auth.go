// Package auth verifies bearer tokens and carries the verified caller,
// whose workspace scopes every query, through the request's context.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/ctxkey"
)

// Scopes a token or API key may carry.
const (
	ScopeRead  = "contacts:read"
	ScopeWrite = "contacts:write"
	// ScopeKeysAdmin allows listing, creating and revoking the
	// workspace's API keys.
	ScopeKeysAdmin = "keys:admin"
	// ScopeWebhooksAdmin allows managing the workspace's webhook
	// endpoints and reading their deliveries.
	ScopeWebhooksAdmin = "webhooks:admin"
)

// Scopes are all the scopes there are.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeKeysAdmin, ScopeWebhooksAdmin}

// Principal is the verified caller of a request: the bearer of a JWT or
// of an API key.
type Principal struct {
	WorkspaceID uuid.UUID
	// Subject names the caller in logs: a JWT's sub claim, or an API
	// key's public prefix.
	Subject string
	Scopes  []string
	// APIKeyID is the id of the API key the caller presented; empty for
	// a JWT.
	APIKeyID string
}

// Credential names the credential the caller presented, the same for
// every request it makes and different for every other caller of the
// workspace: an API key by its id; a JWT by its subject and scopes, so
// that a refreshed token is the same caller and a token of the same
// subject with other scopes is not. Idempotency keys belong to it.
func (p *Principal) Credential() string {
	if p.APIKeyID != "" {
		return "api_key\x00" + p.APIKeyID
	}
	scopes := slices.Sorted(slices.Values(p.Scopes))
	return "jwt\x00" + strings.Join(scopes, " ") + "\x00" + p.Subject
}

// Can reports whether the principal holds scope. Writing implies reading:
// a mutation returns the records it wrote.
func (p *Principal) Can(scope string) bool {
	if slices.Contains(p.Scopes, scope) {
		return true
	}
	return scope == ScopeRead && slices.Contains(p.Scopes, ScopeWrite)
}

// principalKey holds the principal of an authenticated request's context.
var principalKey = ctxkey.New[*Principal]("auth.principal")

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return principalKey.With(ctx, p)
}

// FromContext returns the request's principal, or nil when the request was
// not authenticated.
func FromContext(ctx context.Context) *Principal { return principalKey.Value(ctx) }
