package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// LockEmail holds a lock on one email of the workspace, in any case, until
// the transaction ends: upserts by the same email then run one after the
// other, and the second finds the contact the first created. A hash
// shared by two emails only makes their upserts wait for each other.
func (s *Store) LockEmail(ctx context.Context, ws uuid.UUID, email string) error {
	key := "contact email " + ws.String() + " " + strings.ToLower(email)
	if _, err := s.idb.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key); err != nil {
		return fmt.Errorf("lock email: %w", err)
	}
	return nil
}

// LockContactsByEmail returns up to limit of the workspace's contacts whose
// email is email in any case, locked for update in id order. It reads the
// index of lowercased emails.
func (s *Store) LockContactsByEmail(ctx context.Context, ws uuid.UUID, email string, limit int) ([]*Contact, error) {
	var contacts []*Contact
	err := s.idb.NewSelect().Model(&contacts).
		Where("c.workspace_id = ?", ws).Where("coalesce(lower(c.email), '') = lower(?)", email).
		Order("c.id").Limit(int64(limit)).For("UPDATE").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock contacts by email: %w", err)
	}
	return contacts, nil
}
