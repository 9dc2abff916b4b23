package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Insert stores r, a new record of a table written a record at a time (a
// portal role, a custom field, an API key, a webhook endpoint), and fills
// in its server-set columns.
func Insert[R any](ctx context.Context, s *Store, r *R) error {
	if _, err := s.idb.NewInsert().Model(r).Returning("*").Exec(ctx); err != nil {
		return fmt.Errorf("insert %s: %w", tableOf[*R]().Name, err)
	}
	return nil
}

// UpdateColumns writes cols of r, a record of a table written a record at
// a time, with the time of the change, and fills r in as stored.
func UpdateColumns[R any](ctx context.Context, s *Store, r *R, cols ...string) error {
	_, err := s.idb.NewUpdate().Model(r).Column(cols...).Set("updated_at = now()").
		WherePK().Returning("*").Exec(ctx)
	if err != nil {
		return fmt.Errorf("update %s: %w", tableOf[*R]().Name, err)
	}
	return nil
}

// DeleteByID deletes the workspace's record of R's table with id and
// reports whether there was one.
func DeleteByID[R any](ctx context.Context, s *Store, ws uuid.UUID, id string) (bool, error) {
	res, err := s.idb.NewDelete().Model((*R)(nil)).
		Where("workspace_id = ?", ws).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("delete %s: %w", tableOf[*R]().Name, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// deleteInScope runs q, a delete across workspaces, in the policy scope
// that setting set to value opens (see inScope), and returns how many
// rows it deleted.
func (s *Store) deleteInScope(ctx context.Context, setting, value string, q *bun.DeleteQuery) (int, error) {
	var n int64
	err := s.inScope(setting, value, func(conn bun.IConn) error {
		res, err := q.Conn(conn).Exec(ctx)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}

// InsertPhones stores new phones.
func (s *Store) InsertPhones(ctx context.Context, phones []*Phone) error {
	if len(phones) == 0 {
		return nil
	}
	if _, err := s.idb.NewInsert().Model(&phones).Returning("*").Exec(ctx); err != nil {
		return fmt.Errorf("insert phones: %w", err)
	}
	return nil
}

// SetDefaultPortalRole makes the role the one new contacts get.
func (s *Store) SetDefaultPortalRole(ctx context.Context, ws uuid.UUID, roleID string) error {
	return s.setWorkspaceColumn(ctx, ws, "default_portal_role_id", roleID)
}

// SetDefaultPhoneRegion sets (or, with nil, clears) the workspace's
// default phone region.
func (s *Store) SetDefaultPhoneRegion(ctx context.Context, ws uuid.UUID, region *string) error {
	return s.setWorkspaceColumn(ctx, ws, "default_phone_region", region)
}

// setWorkspaceColumn sets one of the workspace's settings.
func (s *Store) setWorkspaceColumn(ctx context.Context, ws uuid.UUID, column string, value any) error {
	_, err := s.idb.NewUpdate().Model((*Workspace)(nil)).
		Set("? = ?", bun.Ident(column), value).Set("updated_at = now()").
		Where("id = ?", ws).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set workspace %s: %w", column, err)
	}
	return nil
}

// RevokeAPIKey marks the key revoked, unless it already is, and returns
// it; nil when the workspace has no key with id.
func (s *Store) RevokeAPIKey(ctx context.Context, ws uuid.UUID, id string) (*APIKey, error) {
	key := new(APIKey)
	err := s.idb.NewUpdate().Model(key).
		Set("revoked_at = COALESCE(ak.revoked_at, now())").
		Where("ak.workspace_id = ?", ws).Where("ak.id = ?", id).
		Returning("*").Scan(ctx)
	switch {
	case IsNoRows(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("revoke api key: %w", err)
	}
	return key, nil
}

// RecordAPIKeyUse sets the key's last use to at, unless a use less than
// every before at is already recorded: replicas that each record a key's
// use once a minute then write its row at most once a minute between them.
func (s *Store) RecordAPIKeyUse(ctx context.Context, ws uuid.UUID, id string, at time.Time, every time.Duration) error {
	err := exec(ctx, s, ws, s.idb.NewUpdate().Model((*APIKey)(nil)).
		Set("last_used_at = ?", at).
		Where("ak.workspace_id = ?", ws).Where("ak.id = ?", id).
		Where("(ak.last_used_at IS NULL OR ak.last_used_at <= ?)", at.Add(-every)))
	if err != nil {
		return fmt.Errorf("record api key use: %w", err)
	}
	return nil
}
