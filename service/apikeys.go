package service

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// CreateAPIKeyInput is a new API key.
type CreateAPIKeyInput struct {
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
}

// NewAPIKey is a key just created, with its secret: the one moment the
// secret exists outside the caller's hands.
type NewAPIKey struct {
	Key    *db.APIKey
	Secret string
}

// CreateAPIKey creates an API key in the caller's workspace with scopes
// the caller holds itself.
func (s *Service) CreateAPIKey(ctx context.Context, in CreateAPIKeyInput) (*NewAPIKey, []*UserError, error) {
	creator := auth.FromContext(ctx)
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*NewAPIKey, error) {
		checkName(ps, inputPath.at("name"), in.Name)
		scopes := grantableScopes(ps, inputPath.at("scopes"), creator, in.Scopes)
		if in.ExpiresAt != nil && !in.ExpiresAt.After(time.Now()) {
			ps.add(inputPath.at("expiresAt"), Invalid, "expiresAt must be in the future.")
		}
		if len(*ps) > 0 {
			return nil, nil
		}
		secret, prefix := auth.NewAPIKey()
		key := &db.APIKey{
			Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.APIKeyPrefix)}, Name: nfc(in.Name), Prefix: prefix,
			KeyHash: auth.HashAPIKey(secret), Scopes: scopes, ExpiresAt: in.ExpiresAt,
		}
		if err := db.Insert(ctx, tx, key); err != nil {
			return nil, err
		}
		var fields events.Fields
		fields.Add("name", nil, key.Name)
		fields.Add("scopes", nil, key.Scopes)
		fields.Add("expiresAt", nil, key.ExpiresAt)
		err := events.Record(ctx, tx, ws, []events.Change{{Type: events.APIKeyCreated, RecordID: key.ID, Fields: fields}})
		return &NewAPIKey{Key: key, Secret: secret}, err
	})
}

// CreateAPIKeyAsOperator creates an API key in ws for the operator of the
// server (the apikey command), who may grant every scope. It provisions
// the workspace if it is new, so that a backend can be set up before any
// frontend has called.
func (s *Service) CreateAPIKeyAsOperator(ctx context.Context, ws uuid.UUID, in CreateAPIKeyInput) (*NewAPIKey, []*UserError, error) {
	if err := s.Provision(ctx, ws); err != nil {
		return nil, nil, err
	}
	operator := &auth.Principal{WorkspaceID: ws, Subject: "operator", Scopes: auth.Scopes}
	return s.CreateAPIKey(auth.WithPrincipal(ctx, operator), in)
}

// grantableScopes returns the scopes a new key may have: known scopes the
// creator holds, each once, in the order given.
func grantableScopes(ps *problems, at path, creator *auth.Principal, scopes []string) []string {
	if len(scopes) == 0 {
		ps.add(at, Required, "Give the key at least one scope.")
		return nil
	}
	granted := make([]string, 0, len(scopes))
	for i, scope := range scopes {
		switch {
		case !slices.Contains(auth.Scopes, scope):
			ps.add(at.at(i), Invalid, "There is no scope %q; the scopes are %s.", scope, strings.Join(auth.Scopes, ", "))
		case creator == nil || !creator.Can(scope):
			ps.add(at.at(i), Invalid, "A key cannot have the scope %s: you do not hold it yourself.", scope)
		case !slices.Contains(granted, scope):
			granted = append(granted, scope)
		}
	}
	return granted
}

// RevokeAPIKey revokes one of the workspace's keys from its next request
// on; revoking a revoked key changes nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (*db.APIKey, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.APIKey, error) {
		before, err := oneByID(ctx, ws, id, db.APIKeyPrefix, tx.APIKeysByIDs)
		if err != nil || before == nil {
			ps.add(path{"id"}, NotFound, "No API key of this workspace has this id.")
			return nil, err
		}
		key, err := tx.RevokeAPIKey(ctx, ws, id)
		if err != nil || before.RevokedAt != nil { // revoked already: nothing changed
			return key, err
		}
		var fields events.Fields
		fields.Add("revokedAt", nil, key.RevokedAt)
		return key, events.Record(ctx, tx, ws, []events.Change{{Type: events.APIKeyRevoked, RecordID: key.ID, Fields: fields}})
	})
}

// APIKeys lists the workspace's API keys, revoked ones too, oldest first.
func (s *Service) APIKeys(ctx context.Context) ([]*db.APIKey, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.ListAPIKeys(ctx, ws)
}

// AuthenticateAPIKey returns the caller that an API key stands for. A
// malformed, unknown, revoked or expired key gets an error that wraps
// auth.ErrUnauthenticated. A malformed key is refused without a lookup:
// no key has its form, and its form is all the caller learns. The others
// cost the same work, one hash and one lookup by hash, so that neither
// the response nor its timing tells them apart. The key's use is recorded
// off the request's path.
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (*auth.Principal, error) {
	prefix, wellFormed := auth.APIKeyPrefix(secret)
	if !wellFormed {
		return nil, fmt.Errorf("%w: malformed API key", auth.ErrUnauthenticated)
	}
	hash := auth.HashAPIKey(secret)
	key, err := s.store.APIKeyByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	if reason := keyRefusal(prefix, hash, key); reason != "" {
		return nil, fmt.Errorf("%w: %s", auth.ErrUnauthenticated, reason)
	}
	s.keyUse.record(key.WorkspaceID, key.ID, time.Now())
	return &auth.Principal{WorkspaceID: key.WorkspaceID, Subject: key.Prefix, Scopes: key.Scopes, APIKeyID: key.ID}, nil
}

// keyRefusal says, for the log, why the well-formed key of prefix and
// hash does not authenticate as key (found by that hash, or nil), or
// returns "" when it does. It names a key only by its public prefix: the
// rest is a secret.
func keyRefusal(prefix string, hash []byte, key *db.APIKey) string {
	switch {
	// The index found the row by equality of hashes; comparing again in
	// constant time keeps the check itself free of early exits.
	case key == nil || subtle.ConstantTimeCompare(key.KeyHash, hash) != 1:
		return "unknown API key " + prefix
	case key.RevokedAt != nil:
		return "revoked API key " + prefix
	case !key.Active:
		return "expired API key " + prefix
	}
	return ""
}
