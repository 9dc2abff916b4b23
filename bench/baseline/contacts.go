package main

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// The JSON of case 2's page, in the order of its GraphQL selection.
type (
	pageContact struct {
		ID         string         `json:"id"`
		Name       string         `json:"name"`
		Email      *string        `json:"email"`
		Tags       textArray      `json:"tags"`
		Account    *accountRef    `json:"account"`
		Accounts   []*accountRef  `json:"accounts"`
		Phones     []phone        `json:"phones"`
		PortalRole *portalRoleRef `json:"portalRole"`
		accountID  *string        // the primary account
		roleID     string         // the portal role
		createdAt  time.Time      // the sort key of the default order
	}
	accountRef struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	phone struct {
		ID     string  `json:"id"`
		Number string  `json:"number"`
		Type   *string `json:"type"`
	}
	portalRoleRef struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
	}
	pageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	}
	contactPage struct {
		Nodes    []*pageContact `json:"nodes"`
		PageInfo pageInfo       `json:"pageInfo"`
	}
)

// contacts answers like a page of contacts with their primary account,
// accounts, phones and portal role. It runs the statements the GraphQL
// server's dataloaders run: the page, the primary accounts, the
// memberships, the member accounts not loaded yet, the phones and the
// portal roles.
func (s *server) contacts(w http.ResponseWriter, r *http.Request, ws uuid.UUID) error {
	first, err := intParam(r, "first", service.DefaultPageSize)
	if err != nil {
		return fail(w, "first must be a number")
	}
	args := service.PageArgs{First: &first}
	if after := r.URL.Query().Get("after"); after != "" {
		args.After = &after
	}
	list, err := service.DefaultContactList(args)
	if err != nil {
		return fail(w, "%v", err)
	}
	ctx := r.Context()
	contacts, err := s.page(ctx, ws, list.Query)
	if err != nil {
		return err
	}
	page := contactPage{Nodes: contacts}
	if limit := list.Query.Limit - 1; len(contacts) > limit {
		page.Nodes, page.PageInfo.HasNextPage = contacts[:limit], true
	}
	if n := len(page.Nodes); n > 0 {
		last := page.Nodes[n-1]
		cursor := list.Cursor(&db.Contact{Key: db.Key{ID: last.ID}, Tracking: db.Tracking{Timestamps: db.Timestamps{CreatedAt: last.createdAt}}})
		page.PageInfo.EndCursor = &cursor
	}
	if err := s.fillRelations(ctx, ws, page.Nodes); err != nil {
		return err
	}
	return writeData(w, "contacts", page)
}

// page selects the contacts of q (one more than the page holds, to tell
// whether more follow) in the default order: oldest first.
func (s *server) page(ctx context.Context, ws uuid.UUID, q db.ListQuery) ([]*pageContact, error) {
	after, afterID := time.Time{}, ""
	if q.After != nil {
		after, _ = q.After.Values[0].(time.Time)
		afterID = q.After.ID
	}
	var contacts []*pageContact
	err := s.queryEach(ctx, func(rows *sql.Rows) error {
		c := &pageContact{Accounts: []*accountRef{}, Phones: []phone{}}
		contacts = append(contacts, c)
		return rows.Scan(&c.ID, &c.Name, &c.Email, &c.Tags, &c.accountID, &c.roleID, &c.createdAt)
	}, `
		SELECT id, name, email, tags, account_id, portal_role_id, created_at FROM contacts
		WHERE workspace_id = $1 AND (created_at, id) > ($2, $3)
		ORDER BY created_at, id LIMIT $4`, ws, after, afterID, q.Limit)
	return contacts, err
}

// fillRelations loads the page's accounts, phones and portal roles.
func (s *server) fillRelations(ctx context.Context, ws uuid.UUID, contacts []*pageContact) error {
	ids := make([]string, len(contacts))
	var primaryIDs, roleIDs []string
	for i, c := range contacts {
		ids[i] = c.ID
		if c.accountID != nil {
			primaryIDs = append(primaryIDs, *c.accountID)
		}
		roleIDs = append(roleIDs, c.roleID)
	}
	accounts, err := s.accounts(ctx, ws, primaryIDs, nil)
	if err != nil {
		return err
	}
	memberOf, err := s.memberships(ctx, ws, ids)
	if err != nil {
		return err
	}
	var missing []string
	for _, accountIDs := range memberOf {
		for _, id := range accountIDs {
			if accounts[id] == nil && !slices.Contains(missing, id) {
				missing = append(missing, id)
			}
		}
	}
	if accounts, err = s.accounts(ctx, ws, missing, accounts); err != nil {
		return err
	}
	phones, err := s.phones(ctx, ws, ids)
	if err != nil {
		return err
	}
	roles, err := s.portalRoles(ctx, ws, roleIDs)
	if err != nil {
		return err
	}
	for _, c := range contacts {
		if c.accountID != nil {
			c.Account = accounts[*c.accountID]
		}
		c.Accounts = primaryFirst(c, memberOf[c.ID], accounts)
		if p := phones[c.ID]; p != nil {
			c.Phones = p
		}
		c.PortalRole = roles[c.roleID]
	}
	return nil
}

// primaryFirst lists a contact's accounts, the primary one first.
func primaryFirst(c *pageContact, ids []string, accounts map[string]*accountRef) []*accountRef {
	list := make([]*accountRef, 0, len(ids))
	if c.Account != nil && slices.Contains(ids, c.Account.ID) {
		list = append(list, c.Account)
	}
	for _, id := range ids {
		if a := accounts[id]; a != nil && a != c.Account {
			list = append(list, a)
		}
	}
	return list
}

// accounts adds the accounts among ids to known (made when nil); no
// statement runs when ids is empty, as the dataloader runs none when all
// keys are cached.
func (s *server) accounts(ctx context.Context, ws uuid.UUID, ids []string, known map[string]*accountRef) (map[string]*accountRef, error) {
	if known == nil {
		known = make(map[string]*accountRef, len(ids))
	}
	if len(ids) == 0 {
		return known, nil
	}
	err := s.queryEach(ctx, func(rows *sql.Rows) error {
		a := &accountRef{}
		err := rows.Scan(&a.ID, &a.Name)
		known[a.ID] = a
		return err
	}, `SELECT id, name FROM accounts WHERE workspace_id = $1 AND id = ANY($2)`, ws, ids)
	return known, err
}

// memberships returns each contact's account ids, oldest membership first.
func (s *server) memberships(ctx context.Context, ws uuid.UUID, contactIDs []string) (map[string][]string, error) {
	memberOf := make(map[string][]string, len(contactIDs))
	err := s.queryEach(ctx, func(rows *sql.Rows) error {
		var contactID, accountID string
		err := rows.Scan(&contactID, &accountID)
		memberOf[contactID] = append(memberOf[contactID], accountID)
		return err
	}, `
		SELECT contact_id, account_id FROM contact_accounts
		WHERE workspace_id = $1 AND contact_id = ANY($2) ORDER BY created_at, account_id`, ws, contactIDs)
	return memberOf, err
}

// phones returns each contact's phones, oldest first.
func (s *server) phones(ctx context.Context, ws uuid.UUID, contactIDs []string) (map[string][]phone, error) {
	byContact := make(map[string][]phone, len(contactIDs))
	err := s.queryEach(ctx, func(rows *sql.Rows) error {
		var p phone
		var contactID string
		err := rows.Scan(&p.ID, &contactID, &p.Number, &p.Type)
		byContact[contactID] = append(byContact[contactID], p)
		return err
	}, `
		SELECT id, contact_id, number, type FROM phones
		WHERE workspace_id = $1 AND contact_id = ANY($2) ORDER BY id`, ws, contactIDs)
	return byContact, err
}

// portalRoles returns the roles among ids.
func (s *server) portalRoles(ctx context.Context, ws uuid.UUID, ids []string) (map[string]*portalRoleRef, error) {
	roles := make(map[string]*portalRoleRef)
	err := s.queryEach(ctx, func(rows *sql.Rows) error {
		r := &portalRoleRef{}
		err := rows.Scan(&r.ID, &r.Slug)
		roles[r.ID] = r
		return err
	}, `SELECT id, slug FROM portal_roles WHERE workspace_id = $1 AND id = ANY($2)`, ws, slices.Compact(slices.Sorted(slices.Values(ids))))
	return roles, err
}

// queryEach runs query with args and calls scan for every row.
func (s *server) queryEach(ctx context.Context, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
