package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// IdempotencyKey is the record of a request sent with an Idempotency-Key
// header: who sent it, its body's hash and, once it finished, its
// response.
type IdempotencyKey struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:ik"`

	WorkspaceID uuid.UUID `bun:"workspace_id,pk,type:uuid"`
	Key         string    `bun:"key,pk"`
	// Caller is a hash of the credential that sent the request: the key
	// is its alone.
	Caller      []byte `bun:"caller"`
	RequestHash []byte `bun:"request_hash"`
	// StatusCode is nil while the first request is in flight.
	StatusCode  *int      `bun:"status_code"`
	ContentType *string   `bun:"content_type"`
	Response    []byte    `bun:"response"`
	CreatedAt   time.Time `bun:"created_at,nullzero,notnull,default:now()"`
	ExpiresAt   time.Time `bun:"expires_at"`
}

// ClaimIdempotencyKey records that caller's request with this key and
// body hash is in flight, unless the key is already in use. An expired
// key, or one whose request was abandoned (in flight for longer than
// abandonAfter, as when a server died), is claimed anew. It reports
// whether the caller now owns the key.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, ws uuid.UUID, key string, caller, hash []byte, ttl, abandonAfter time.Duration) (bool, error) {
	row := &IdempotencyKey{WorkspaceID: ws, Key: key, Caller: caller, RequestHash: hash, ExpiresAt: time.Now().Add(ttl)}
	var claimed []string
	q := s.idb.NewInsert().Model(row).
		On("CONFLICT (workspace_id, key) DO UPDATE").
		Set("caller = EXCLUDED.caller, request_hash = EXCLUDED.request_hash").
		Set("status_code = NULL, content_type = NULL, response = NULL").
		Set("created_at = now(), expires_at = EXCLUDED.expires_at").
		Where("ik.expires_at < now() OR (ik.status_code IS NULL AND ik.created_at < now() - ? * interval '1 second')", abandonAfter.Seconds()).
		Returning("key")
	err := s.inWorkspace(ctx, ws, func(idb bun.IConn) error {
		_, err := q.Conn(idb).Exec(ctx, &claimed)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return len(claimed) == 1, nil
}

// IdempotencyKeyRecord returns the record of a key, or nil.
func (s *Store) IdempotencyKeyRecord(ctx context.Context, ws uuid.UUID, key string) (*IdempotencyKey, error) {
	var rows []*IdempotencyKey
	err := s.scan(ctx, ws, s.idb.NewSelect().Model(&rows).Where("ik.workspace_id = ?", ws).Where("ik.key = ?", key))
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// CompleteIdempotencyKey stores the response of the request that owns the key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, ws uuid.UUID, key string, status int, contentType string, response []byte) error {
	q := s.idb.NewUpdate().Model((*IdempotencyKey)(nil)).
		Set("status_code = ?, content_type = ?, response = ?", status, contentType, response).
		Where("workspace_id = ?", ws).Where("key = ?", key)
	err := exec(ctx, s, ws, q)
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a key whose request failed, so that a
// retry runs it again. A key whose response is stored is kept: its
// request committed, whatever its server learnt of the commit.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, ws uuid.UUID, key string) error {
	err := exec(ctx, s, ws, s.idb.NewDelete().Model((*IdempotencyKey)(nil)).
		Where("workspace_id = ?", ws).Where("key = ?", key).Where("status_code IS NULL"))
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// DeleteExpiredIdempotencyKeys deletes the keys past their expiry, of
// every workspace, and returns how many it deleted. Row-level security
// lets it see expired keys only.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context) (int, error) {
	var n int64
	q := s.idb.NewDelete().Model((*IdempotencyKey)(nil)).Where("expires_at < now()")
	err := s.inScope(sweepSetting, "on", func(conn bun.IConn) error {
		res, err := q.Conn(conn).Exec(ctx)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return int(n), nil
}
