package db

import (
	"context"
	"encoding/hex"
	"fmt"
	"reflect"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// ListContacts returns a page of the workspace's contacts, in the order
// the query fetches them.
func (s *Store) ListContacts(ctx context.Context, ws uuid.UUID, lq ListQuery) ([]*Contact, error) {
	return list[Contact](ctx, s, ws, lq)
}

// CountContacts returns how many of the workspace's contacts match m.
func (s *Store) CountContacts(ctx context.Context, ws uuid.UUID, m Match) (int, error) {
	return count[Contact](ctx, s, ws, m)
}

// list returns a page of the workspace's records of model T: lq's
// columns of them, and the ones that cursors point at them by. A page
// without a filter, the most common, is prepared, its workspace and
// cursor parameters; a filter writes its values into the text, which then
// seldom repeats.
func list[T any](ctx context.Context, s *Store, ws uuid.UUID, lq ListQuery) ([]*T, error) {
	records, err := selectRecords[T](ctx, s, ws, lq.Match.Filter == nil, listSelect[T](s, ws, lq))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.models.Table(reflect.TypeFor[T]()).Name, err)
	}
	return records, nil
}

// listSelect returns the builder of the select of lq's page of model T's
// records of ws (see selectRecords).
func listSelect[T any](s *Store, ws uuid.UUID, lq ListQuery) func(*statementParams) *bun.SelectQuery {
	return func(params *statementParams) *bun.SelectQuery {
		q, c := filtered(s, s.idb.NewSelect().Model((*T)(nil)), params.add(ws))
		c.params = params
		return lq.apply(lq.Columns.apply(q, lq.keyColumns()...), c)
	}
}

// selectRecords runs the select of model T's records that build writes,
// in workspace ws, and decodes its rows off the connection (see
// rawQuery). With prepare set, the values that build adds to its params
// are the statement's parameters, and the statement is prepared, when its
// text can be kept (see keepText); otherwise they are written into its
// text.
func selectRecords[T any](ctx context.Context, s *Store, ws uuid.UUID, prepare bool, build func(*statementParams) *bun.SelectQuery) ([]*T, error) {
	var params *statementParams
	if prepare {
		params = &statementParams{}
	}
	text := build(params).String()
	if params != nil && !keepText(text) {
		params, text = nil, build(nil).String()
	}
	var records []*T
	err := s.inWorkspace(ctx, ws, func(idb bun.IConn) error {
		countStatement(ctx)
		return rawQuery(ctx, idb, text, params != nil, params.values(), scanInto(&records, s.models))
	})
	return records, err
}

// count returns how many of the workspace's records of model T match m.
func count[T any](ctx context.Context, s *Store, ws uuid.UUID, m Match) (int, error) {
	q, c := filtered(s, s.idb.NewSelect().Model((*T)(nil)), ws)
	alias := c.alias
	q = m.apply(q, c)
	var n int64
	err := s.inWorkspace(ctx, ws, func(idb bun.IConn) (err error) {
		n, err = q.Conn(idb).Count(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", alias, err)
	}
	return int(n), nil
}

// filtered returns q, a select of a model's records, as lists and counts
// read them: of workspace ws, from the model's table or its view (see
// compiler.table), and the compiler of their filters.
func filtered(s *Store, q *bun.SelectQuery, ws any) (*bun.SelectQuery, compiler) {
	table := q.GetModel().(bun.TableModel).Table()
	c := s.filters(string(table.Alias), ws)
	q = q.ModelTableExpr(c.table(table.Name)+" AS ?TableAlias").Where("?TableAlias.workspace_id = ?", ws)
	return q, c
}

// scan runs q in workspace ws (see inWorkspace), scanning its rows into
// dest, or into q's model when dest is empty.
func (s *Store) scan(ctx context.Context, ws uuid.UUID, q *bun.SelectQuery, dest ...any) error {
	return s.inWorkspace(ctx, ws, func(idb bun.IConn) error { return q.Conn(idb).Scan(ctx, dest...) })
}

// AccountContact is a contact listed under one of the accounts it belongs to.
type AccountContact struct {
	AccountID string `bun:"member_of"`
	Contact
}

// ContactsOfAccounts returns a page of the member contacts of each of
// accountIDs, in one statement: the rows of each account come together, in
// the order the query fetches them.
func (s *Store) ContactsOfAccounts(ctx context.Context, ws uuid.UUID, accountIDs []string, lq ListQuery) ([]*AccountContact, error) {
	c := s.filters("c", ws)
	page := lq.apply(lq.selectContacts(s.idb.NewSelect().TableExpr(c.table("contacts")+" AS c")).
		Join("JOIN contact_accounts AS ca ON ca.workspace_id = c.workspace_id AND ca.contact_id = c.id").
		Where("ca.workspace_id = ?", ws).Where("ca.account_id = acc.id"), c)
	var rows []*AccountContact
	q := s.idb.NewRaw(`
		SELECT acc.id AS member_of, c.*
		FROM unnest(?::text[]) WITH ORDINALITY AS acc(id, n)
		CROSS JOIN LATERAL (?) AS c
		ORDER BY acc.n, `+lq.orderBy("c"),
		pgdialect.Array(accountIDs), page)
	err := s.inWorkspace(ctx, ws, func(idb bun.IConn) error { return q.Conn(idb).Scan(ctx, &rows) })
	if err != nil {
		return nil, fmt.Errorf("contacts of accounts: %w", err)
	}
	return rows, nil
}

// AccountMemberCount is how many contacts belong to an account.
type AccountMemberCount struct {
	AccountID string `bun:"account_id"`
	Count     int    `bun:"count"`
}

// CountContactsOfAccounts returns how many contacts that match m belong
// to each of accountIDs; accounts without such contacts are left out.
func (s *Store) CountContactsOfAccounts(ctx context.Context, ws uuid.UUID, accountIDs []string, m Match) ([]AccountMemberCount, error) {
	var counts []AccountMemberCount
	q, c := filtered(s, s.idb.NewSelect().Model((*Contact)(nil)), ws)
	q = q.Join("JOIN contact_accounts AS ca ON ca.workspace_id = c.workspace_id AND ca.contact_id = c.id").
		Column("ca.account_id").ColumnExpr("count(*) AS count").
		Where("ca.workspace_id = ?", ws).Where("ca.account_id = ANY(?)", pgdialect.Array(accountIDs))
	err := s.scan(ctx, ws, m.apply(q, c).Group("ca.account_id"), &counts)
	if err != nil {
		return nil, fmt.Errorf("count contacts of accounts: %w", err)
	}
	return counts, nil
}

// ListAccounts returns a page of the workspace's accounts, in the order
// the query fetches them.
func (s *Store) ListAccounts(ctx context.Context, ws uuid.UUID, lq ListQuery) ([]*Account, error) {
	return list[Account](ctx, s, ws, lq)
}

// CountAccounts returns how many of the workspace's accounts match m.
func (s *Store) CountAccounts(ctx context.Context, ws uuid.UUID, m Match) (int, error) {
	return count[Account](ctx, s, ws, m)
}

// selectPortalRoles returns the workspace's portal roles that refine
// selects, with whether each is the workspace's default: a prepared
// statement (see selectRecords), as every write of a contact and every
// page read them.
func (s *Store) selectPortalRoles(ctx context.Context, ws uuid.UUID, refine func(*bun.SelectQuery, *statementParams) *bun.SelectQuery) ([]*PortalRole, error) {
	return selectRecords[PortalRole](ctx, s, ws, true, func(params *statementParams) *bun.SelectQuery {
		return refine(s.idb.NewSelect().Model((*PortalRole)(nil)).
			ColumnExpr("?TableColumns").
			ColumnExpr("COALESCE(pr.id = w.default_portal_role_id, false) AS is_default").
			Join("JOIN workspaces AS w ON w.id = pr.workspace_id").
			Where("pr.workspace_id = ?", params.add(ws)), params)
	})
}

// PortalRolesByIDs returns the workspace's portal roles among ids, in no order.
func (s *Store) PortalRolesByIDs(ctx context.Context, ws uuid.UUID, ids []string) ([]*PortalRole, error) {
	roles, err := s.selectPortalRoles(ctx, ws, func(q *bun.SelectQuery, params *statementParams) *bun.SelectQuery {
		return q.Where("pr.id = ANY(?)", params.add(ids))
	})
	if err != nil {
		return nil, fmt.Errorf("portal roles by id: %w", err)
	}
	return roles, nil
}

// PortalRoleBySlug returns the workspace's portal role with slug, or nil.
func (s *Store) PortalRoleBySlug(ctx context.Context, ws uuid.UUID, slug string) (*PortalRole, error) {
	roles, err := s.selectPortalRoles(ctx, ws, func(q *bun.SelectQuery, params *statementParams) *bun.SelectQuery {
		return q.Where("pr.slug = ?", params.add(slug))
	})
	if err != nil {
		return nil, fmt.Errorf("portal role by slug: %w", err)
	}
	if len(roles) == 0 {
		return nil, nil
	}
	return roles[0], nil
}

// DefaultPortalRole returns the role the workspace gives new contacts.
func (s *Store) DefaultPortalRole(ctx context.Context, ws uuid.UUID) (*PortalRole, error) {
	roles, err := s.selectPortalRoles(ctx, ws, func(q *bun.SelectQuery, _ *statementParams) *bun.SelectQuery {
		return q.Where("pr.id = w.default_portal_role_id")
	})
	if err != nil {
		return nil, fmt.Errorf("default portal role: %w", err)
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("workspace %s has no default portal role", ws)
	}
	return roles[0], nil
}

// DefaultPhoneRegion returns the workspace's default phone region, or ""
// when it has none.
func (s *Store) DefaultPhoneRegion(ctx context.Context, ws uuid.UUID) (string, error) {
	var region *string
	q := s.idb.NewSelect().Model((*Workspace)(nil)).Column("default_phone_region").Where("id = ?", ws)
	if err := s.scan(ctx, ws, q, &region); err != nil {
		return "", fmt.Errorf("default phone region: %w", err)
	}
	if region == nil {
		return "", nil
	}
	return *region, nil
}

// PhonesAfter returns up to limit phones of every workspace that follow
// after in the order of (workspace_id, id), for a check of every stored
// number; nil after starts at the first.
func (s *Store) PhonesAfter(ctx context.Context, after *Phone, limit int) ([]*Phone, error) {
	var phones []*Phone
	q := s.idb.NewSelect().Model(&phones).Order("workspace_id", "id").Limit(int64(limit))
	if after != nil {
		q = q.Where("(workspace_id, id) > (?, ?)", after.WorkspaceID, after.ID)
	}
	err := s.inScope(phoneCheckSetting, "on", func(idb bun.IConn) error {
		return q.Conn(idb).Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("phones after: %w", err)
	}
	return phones, nil
}

// ListPortalRoles returns every portal role of the workspace: built-in
// ones first, then custom ones by creation.
func (s *Store) ListPortalRoles(ctx context.Context, ws uuid.UUID) ([]*PortalRole, error) {
	roles, err := s.selectPortalRoles(ctx, ws, func(q *bun.SelectQuery, _ *statementParams) *bun.SelectQuery {
		return q.Order("pr.built_in DESC", "pr.id")
	})
	if err != nil {
		return nil, fmt.Errorf("list portal roles: %w", err)
	}
	return roles, nil
}

// PortalRoleInUse reports whether a contact has the role.
func (s *Store) PortalRoleInUse(ctx context.Context, ws uuid.UUID, id string) (bool, error) {
	q := s.idb.NewSelect().Model((*Contact)(nil)).
		Where("c.workspace_id = ?", ws).Where("c.portal_role_id = ?", id)
	var used bool
	err := s.inWorkspace(ctx, ws, func(idb bun.IConn) (err error) {
		used, err = q.Conn(idb).Exists(ctx)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("portal role in use: %w", err)
	}
	return used, nil
}

// ListAPIKeys returns every API key of the workspace, revoked ones too,
// oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, ws uuid.UUID) ([]*APIKey, error) {
	var keys []*APIKey
	if err := s.scan(ctx, ws, s.idb.NewSelect().Model(&keys).Where("ak.workspace_id = ?", ws).Order("ak.id")); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// APIKeysByIDs returns the workspace's API keys among ids, in no order.
func (s *Store) APIKeysByIDs(ctx context.Context, ws uuid.UUID, ids []string) ([]*APIKey, error) {
	var keys []*APIKey
	err := s.scan(ctx, ws, s.idb.NewSelect().Model(&keys).
		Where("ak.workspace_id = ?", ws).Where("ak.id = ANY(?)", pgdialect.Array(ids)))
	if err != nil {
		return nil, fmt.Errorf("api keys by id: %w", err)
	}
	return keys, nil
}

// APIKeyByHash returns the API key with hash, of whatever workspace, with
// Active set when it is neither revoked nor expired; nil when there is
// none. It is the one query not given a workspace: it is how an API key's
// caller gets one; row-level security shows it the key's row alone. It costs one lookup in the unique index on key_hash.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error) {
	var keys []*APIKey
	q := s.idb.NewSelect().Model(&keys).
		ColumnExpr("ak.*").
		ColumnExpr("ak.revoked_at IS NULL AND (ak.expires_at IS NULL OR ak.expires_at > now()) AS active").
		Where("ak.key_hash = ?", hash)
	err := s.inScope(keyHashSetting, hex.EncodeToString(hash), func(idb bun.IConn) error {
		return q.Conn(idb).Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("api key by hash: %w", err)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return keys[0], nil
}
