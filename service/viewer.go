package service

import (
	"context"
	"slices"

	"github.com/contacts-api/contacts/auth"
)

// CredentialKind is the kind of credential a request was sent with.
type CredentialKind string

// The kinds of credential.
const (
	// CredentialToken is a signed JWT.
	CredentialToken CredentialKind = "TOKEN"
	// CredentialAPIKey is an API key.
	CredentialAPIKey CredentialKind = "API_KEY"
)

// Viewer is the caller of a request: its workspace, its credential and the
// credential's scopes.
type Viewer struct {
	WorkspaceID    string
	CredentialKind CredentialKind
	// CredentialID is an API key's id, or a JWT's subject.
	CredentialID string
	// Scopes are sorted, whatever order the token lists them in.
	Scopes []string
}

// Viewer returns the caller. It needs no scope: any valid credential may
// learn what it is and what it may do.
func (s *Service) Viewer(ctx context.Context) (*Viewer, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, errNoPrincipal
	}
	v := &Viewer{
		WorkspaceID:    p.WorkspaceID.String(),
		CredentialKind: CredentialToken,
		CredentialID:   p.Subject,
		Scopes:         slices.Sorted(slices.Values(p.Scopes)),
	}
	if p.APIKeyID != "" {
		v.CredentialKind, v.CredentialID = CredentialAPIKey, p.APIKeyID
	}
	return v, nil
}
