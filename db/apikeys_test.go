package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// newAPIKey stores a key in a new workspace and returns it with its secret.
func newAPIKey(t *testing.T, store *db.Store, edit func(*db.APIKey)) (*db.APIKey, string) {
	t.Helper()
	ctx := context.Background()
	ws := dbtest.NewWorkspace(t, store)
	secret, prefix := auth.NewAPIKey()
	key := &db.APIKey{
		Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.APIKeyPrefix)}, Name: "Sync", Prefix: prefix,
		KeyHash: auth.HashAPIKey(secret), Scopes: []string{auth.ScopeRead},
	}
	if edit != nil {
		edit(key)
	}
	if err := store.InTx(ctx, ws, func(tx *db.Store) error { return db.Insert(ctx, tx, key) }); err != nil {
		t.Fatal(err)
	}
	return key, secret
}

// revoke revokes the key with id as workspace ws does, in a transaction.
func revoke(t *testing.T, store *db.Store, ws uuid.UUID, id string) *db.APIKey {
	t.Helper()
	var key *db.APIKey
	err := store.InTx(context.Background(), ws, func(tx *db.Store) (err error) {
		key, err = tx.RevokeAPIKey(context.Background(), ws, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestAPIKeyByHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := db.NewStore(dbtest.APIDB(t))
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	tests := []struct {
		name       string
		edit       func(*db.APIKey)
		revoke     bool
		wantActive bool
	}{
		{"a key without expiry is active", nil, false, true},
		{"a key expiring later is active", func(k *db.APIKey) { k.ExpiresAt = &future }, false, true},
		{"an expired key is not", func(k *db.APIKey) { k.ExpiresAt = &past }, false, false},
		{"a revoked key is not", nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, secret := newAPIKey(t, store, tt.edit)
			if tt.revoke {
				revoke(t, store, key.WorkspaceID, key.ID)
			}
			found, err := store.APIKeyByHash(ctx, auth.HashAPIKey(secret))
			if err != nil || found == nil || found.ID != key.ID || found.WorkspaceID != key.WorkspaceID {
				t.Fatalf("APIKeyByHash = %+v, %v; want key %s", found, err, key.ID)
			}
			if found.Active != tt.wantActive {
				t.Fatalf("Active = %v, want %v", found.Active, tt.wantActive)
			}
		})
	}
	unknown, _ := auth.NewAPIKey()
	if found, err := store.APIKeyByHash(ctx, auth.HashAPIKey(unknown)); found != nil || err != nil {
		t.Fatalf("APIKeyByHash(unknown) = %+v, %v; want nil, nil", found, err)
	}
}

func TestRevokeAPIKeyStaysInItsWorkspace(t *testing.T) {
	t.Parallel()
	store := db.NewStore(dbtest.APIDB(t))
	key, _ := newAPIKey(t, store, nil)
	other, _ := newAPIKey(t, store, nil)
	if got := revoke(t, store, other.WorkspaceID, key.ID); got != nil {
		t.Fatalf("revoking another workspace's key = %+v; want nil", got)
	}
	first := revoke(t, store, key.WorkspaceID, key.ID)
	if first == nil || first.RevokedAt == nil {
		t.Fatalf("RevokeAPIKey = %+v; want the key, revoked", first)
	}
	again := revoke(t, store, key.WorkspaceID, key.ID)
	if again == nil || !again.RevokedAt.Equal(*first.RevokedAt) {
		t.Fatalf("revoking again = %+v; want revokedAt unchanged at %v", again, first.RevokedAt)
	}
}

func TestRecordAPIKeyUseAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := db.NewStore(dbtest.APIDB(t))
	key, _ := newAPIKey(t, store, nil)
	start := time.Now().UTC().Truncate(time.Microsecond)
	steps := []struct {
		name   string
		at     time.Time
		wantAt time.Time
	}{
		{"the first use is recorded", start, start},
		{"a use within the interval is not", start.Add(30 * time.Second), start},
		{"a use once the interval has passed is", start.Add(time.Minute), start.Add(time.Minute)},
	}
	for _, s := range steps {
		if err := store.RecordAPIKeyUse(ctx, key.WorkspaceID, key.ID, s.at, time.Minute); err != nil {
			t.Fatal(err)
		}
		keys, err := store.APIKeysByIDs(ctx, key.WorkspaceID, []string{key.ID})
		if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(s.wantAt) {
			t.Fatalf("%s: lastUsedAt = %+v (err %v); want %v", s.name, keys, err, s.wantAt)
		}
	}
}
