package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// DuplicateReason is what the contacts of a DuplicateGroup share.
type DuplicateReason string

// The reasons, as the table contact_keys keys them (db/migrations).
const (
	// DuplicateEmail: the same email, without regard to case (domains are
	// stored in one canonical IDNA form).
	DuplicateEmail DuplicateReason = "EMAIL"
	// DuplicatePhone: the same phone number, in E.164.
	DuplicatePhone DuplicateReason = "PHONE"
	// DuplicateName: the same name (contact_name_key) in the same primary
	// account.
	DuplicateName DuplicateReason = "NAME"
)

// DuplicateGroup is a set of contacts that share a key, and so are likely
// one person.
type DuplicateGroup struct {
	Reason DuplicateReason
	// AccountID is the primary account whose contacts share a name (NAME);
	// nil for the other reasons.
	AccountID *string
	// Key is the value they share, normalized: the lowercased email, the
	// E.164 number, or the name key.
	Key string
	// Size is how many contacts share the key.
	Size int
	// Contacts are the group's contacts, oldest first (the one to keep
	// when merging them), at most DuplicateQuery.Members of them.
	Contacts []*Contact
}

// NodeID returns the group's key, which breaks the ties of its reason and
// account in the order of groups.
func (g *DuplicateGroup) NodeID() string { return g.Key }

// SortValue returns the value of a DuplicateSortFields column.
func (g *DuplicateGroup) SortValue(column string) any {
	if column == "reason" {
		return string(g.Reason)
	}
	if g.AccountID == nil {
		return ""
	}
	return *g.AccountID
}

// ContactIDs returns the ids of the group's contacts, in their order.
func (g *DuplicateGroup) ContactIDs() []string {
	ids := make([]string, len(g.Contacts))
	for i, c := range g.Contacts {
		ids[i] = c.ID
	}
	return ids
}

// DuplicateSortFields are what groups sort by: their reason, their
// account, then their key (the id that breaks ties), as the index
// contact_keys_shared_idx holds them.
var DuplicateSortFields = map[string]SortField{
	"REASON":     {Column: "reason", key: "%s", Cast: "text"},
	"ACCOUNT_ID": {Column: "account_id", key: "%s", Cast: "text"},
}

// DuplicateQuery asks for one page of duplicate groups.
type DuplicateQuery struct {
	// ListQuery bounds and orders the page (by DuplicateSortFields); its
	// Match and Columns are not used.
	ListQuery
	// Reason, when set, keeps the groups of that reason alone.
	Reason *DuplicateReason
	// Members bounds the contacts returned of each group.
	Members int
}

// duplicateMember is one contact of a group, as the page's statement
// returns it.
type duplicateMember struct {
	Reason    DuplicateReason `bun:"dup_reason"`
	AccountID string          `bun:"dup_account_id"`
	Key       string          `bun:"dup_key"`
	Size      int             `bun:"dup_size"`
	Contact
}

// ListDuplicateGroups returns a page of the workspace's groups of contacts
// that share a key, in one statement: the page's keys are a range of the
// index of the keys more than one contact has, and each key's contacts
// are found through the index of its expression.
func (s *Store) ListDuplicateGroups(ctx context.Context, ws uuid.UUID, dq DuplicateQuery) ([]*DuplicateGroup, error) {
	c := s.filters("k", ws)
	page := dq.apply(s.idb.NewSelect().TableExpr("(?) AS k", sharedKeys(s.idb, ws, dq.Reason)).ColumnExpr("k.*"), c)
	contacts, phones := c.table("contacts"), c.table("phones")
	q := s.idb.NewRaw(`
		SELECT k.reason AS dup_reason, k.account_id AS dup_account_id, k.id AS dup_key, k.contacts AS dup_size, c.*
		FROM (?) AS k
		CROSS JOIN LATERAL (
			SELECT * FROM (
				SELECT c.* FROM `+contacts+` AS c
				WHERE k.reason = 'EMAIL' AND c.workspace_id = ? AND coalesce(lower(c.email), '') = k.id
				UNION ALL
				SELECT c.* FROM `+contacts+` AS c
				WHERE k.reason = 'NAME' AND c.workspace_id = ? AND c.account_id = k.account_id
					AND contact_name_key(c.first_name, c.last_name, c.name) = k.id
				UNION ALL
				SELECT c.* FROM `+contacts+` AS c
				WHERE k.reason = 'PHONE' AND c.workspace_id = ? AND c.id IN (
					SELECT p.contact_id FROM `+phones+` AS p
					WHERE p.workspace_id = ? AND ltrim(p.number, '+') = ltrim(k.id, '+'))
			) AS c
			ORDER BY c.created_at, c.id
			LIMIT ?
		) AS c
		ORDER BY `+dq.orderBy("k")+`, c.created_at, c.id`,
		page, ws, ws, ws, ws, dq.Members)
	var members []*duplicateMember
	if err := s.inWorkspace(ctx, ws, func(idb bun.IConn) error { return q.Conn(idb).Scan(ctx, &members) }); err != nil {
		return nil, fmt.Errorf("list duplicate groups: %w", err)
	}
	var groups []*DuplicateGroup
	for i, m := range members {
		if i == 0 || m.Reason != members[i-1].Reason || m.AccountID != members[i-1].AccountID || m.Key != members[i-1].Key {
			g := &DuplicateGroup{Reason: m.Reason, Key: m.Key, Size: m.Size}
			if m.AccountID != "" {
				g.AccountID = &m.AccountID
			}
			groups = append(groups, g)
		}
		g := groups[len(groups)-1]
		g.Contacts = append(g.Contacts, &m.Contact)
	}
	return groups, nil
}

// CountDuplicateGroups returns how many groups of duplicates the
// workspace has, of reason when it is set.
func (s *Store) CountDuplicateGroups(ctx context.Context, ws uuid.UUID, reason *DuplicateReason) (int, error) {
	var n int
	q := s.idb.NewSelect().TableExpr("(?) AS k", sharedKeys(s.idb, ws, reason)).ColumnExpr("count(*)")
	if err := s.scan(ctx, ws, q, &n); err != nil {
		return 0, fmt.Errorf("count duplicate groups: %w", err)
	}
	return n, nil
}

// sharedKeys selects the workspace's keys that more than one contact has,
// of reason when it is set, with the key as the id that breaks ties.
func sharedKeys(idb bun.IDB, ws uuid.UUID, reason *DuplicateReason) *bun.SelectQuery {
	q := idb.NewSelect().TableExpr("contact_keys").ColumnExpr("reason, account_id, key AS id, contacts").
		Where("workspace_id = ?", ws).Where("contacts > 1")
	if reason != nil {
		q = q.Where("reason = ?", *reason)
	}
	return q
}
