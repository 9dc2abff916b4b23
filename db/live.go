package db

import (
	"context"
	"fmt"
)

// SnapshotXmin returns the id of the oldest transaction still running
// (xid8, as text): every transaction not yet committed now has this id or
// a later one.
func (s *Store) SnapshotXmin(ctx context.Context) (string, error) {
	var xmin string
	if err := s.idb.NewRaw("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").Scan(ctx, &xmin); err != nil {
		return "", fmt.Errorf("snapshot xmin: %w", err)
	}
	return xmin, nil
}
