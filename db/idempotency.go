package db

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// IdempotencyKey is the record of a request sent with an Idempotency-Key
// header that committed: who sent it, its body's hash and its response.
// A request in flight has no record: it holds its key's advisory lock
// (LockIdempotencyKey) and writes its record in the transaction of its
// writes, so that the two commit together or not at all.
type IdempotencyKey struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:ik"`

	WorkspaceID uuid.UUID `bun:"workspace_id,pk,type:uuid"`
	Key         string    `bun:"key,pk"`
	// Caller is a hash of the credential that sent the request: the key
	// is its alone.
	Caller      []byte    `bun:"caller"`
	RequestHash []byte    `bun:"request_hash"`
	StatusCode  int       `bun:"status_code"`
	ContentType string    `bun:"content_type"`
	Response    []byte    `bun:"response"`
	CreatedAt   time.Time `bun:"created_at,nullzero,notnull,default:now()"`
	ExpiresAt   time.Time `bun:"expires_at"`
}

// errNotInTx is a bug: a transaction-scoped lock taken by a statement of
// its own would be released as soon as it was taken.
var errNotInTx = errors.New("idempotency key locked outside a transaction")

// LockIdempotencyKey takes the advisory lock of key in ws for the
// transaction that ctx carries (InRequestTx), unless another transaction
// holds it; it reports whether it did. The lock is the claim of a request
// in flight: PostgreSQL releases it when the transaction ends, however it
// ends (a commit, a rollback, the connection lost, the server or
// PostgreSQL gone), so no claim outlives its request.
func (s *Store) LockIdempotencyKey(ctx context.Context, ws uuid.UUID, key string) (bool, error) {
	if s.pool != nil && sessionKey.Value(ctx) == nil {
		return false, errNotInTx
	}
	var locked bool
	err := s.inWorkspace(ctx, ws, func(conn bun.IConn) error {
		return s.idb.NewSelect().ColumnExpr("pg_try_advisory_xact_lock(?)", idempotencyLockID(ws, key)).Conn(conn).Scan(ctx, &locked)
	})
	if err != nil {
		return false, fmt.Errorf("lock idempotency key: %w", err)
	}
	return locked, nil
}

// idempotencyLockID is the advisory lock key of an idempotency key: 64
// bits of a hash of the workspace and the key, which no other lock of the
// server's (migrationLockID) is likely to meet.
func idempotencyLockID(ws uuid.UUID, key string) int64 {
	sum := sha256.Sum256(append(ws[:], key...))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// IdempotencyKeyRecord returns the record of a key that has not expired,
// or nil. (A record without a response is a claim made by a server of a
// version before the advisory locks, and is taken for none.)
func (s *Store) IdempotencyKeyRecord(ctx context.Context, ws uuid.UUID, key string) (*IdempotencyKey, error) {
	var rows []*IdempotencyKey
	err := s.scan(ctx, ws, s.idb.NewSelect().Model(&rows).Where("ik.workspace_id = ?", ws).Where("ik.key = ?", key).
		Where("ik.expires_at >= now()").Where("ik.status_code IS NOT NULL"))
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// errKeyTaken means that a request ran with a key that has a response:
// a bug, since the key's lock makes a request find the response first.
var errKeyTaken = errors.New("idempotency key already has a response")

// KeepIdempotentResponse writes the record of rec's key, in the
// transaction of the request that holds its lock and found no record
// (IdempotencyKeyRecord). It takes the place of an expired record, or of
// a claim without a response; never of a live one, which would mean that
// two requests ran with one key: then it fails, and the request's
// transaction rolls back.
func (s *Store) KeepIdempotentResponse(ctx context.Context, rec *IdempotencyKey) error {
	var kept []string
	q := s.idb.NewInsert().Model(rec).
		On("CONFLICT (workspace_id, key) DO UPDATE").
		Set("caller = EXCLUDED.caller, request_hash = EXCLUDED.request_hash").
		Set("status_code = EXCLUDED.status_code, content_type = EXCLUDED.content_type, response = EXCLUDED.response").
		Set("created_at = now(), expires_at = EXCLUDED.expires_at").
		Where("ik.expires_at < now() OR ik.status_code IS NULL").
		Returning("key")
	err := s.inWorkspace(ctx, rec.WorkspaceID, func(conn bun.IConn) error {
		_, err := q.Conn(conn).Exec(ctx, &kept)
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("store idempotent response: %w", err)
	case len(kept) != 1:
		return errKeyTaken
	}
	return nil
}

// DeleteExpiredIdempotencyKeys deletes the keys past their expiry, of
// every workspace, and returns how many it deleted. Row-level security
// lets it see expired keys only.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context) (int, error) {
	q := s.idb.NewDelete().Model((*IdempotencyKey)(nil)).Where("expires_at < now()")
	n, err := s.deleteInScope(ctx, sweepSetting, "on", q)
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return n, nil
}
