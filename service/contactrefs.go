package service

import (
	"context"
	"slices"

	"github.com/contacts-api/contacts/db"
)

// references are the accounts and portal roles that a batch's inputs name,
// each looked up once for the whole batch.
type references struct {
	accountsByID       map[string]bool
	accountsByExternal map[string]string
	rolesByID          map[string]*db.PortalRole
	rolesBySlug        map[string]*db.PortalRole
	defaultRole        *db.PortalRole
}

// resolveReferences looks up what the writes name, in at most three
// statements, and applies it to each write.
func (b *batch) resolveReferences(ctx context.Context, writes []*contactWrite) error {
	if len(writes) == 0 {
		return nil
	}
	refs, err := b.loadReferences(ctx, writes)
	if err != nil {
		return err
	}
	for _, w := range writes {
		refs.applyAccounts(w)
		refs.applyPortalRole(w)
	}
	return nil
}

func (b *batch) loadReferences(ctx context.Context, writes []*contactWrite) (*references, error) {
	var ids, externalIDs []string
	for _, w := range writes {
		if v := w.in.AccountID.Value(); v != nil && db.HasPrefix(*v, db.AccountPrefix) {
			ids = append(ids, *v)
		}
		if v := w.in.AccountExternalID.Value(); v != nil {
			externalIDs = append(externalIDs, *v)
		}
		for _, id := range slices.Concat(w.in.AccountIDs.Value(), w.in.AddAccountIDs) {
			if db.HasPrefix(id, db.AccountPrefix) {
				ids = append(ids, id)
			}
		}
	}
	refs := &references{
		accountsByID:       make(map[string]bool),
		accountsByExternal: make(map[string]string),
		rolesByID:          make(map[string]*db.PortalRole),
		rolesBySlug:        make(map[string]*db.PortalRole),
	}
	if len(ids) > 0 {
		accounts, err := db.ByKeys[db.Account](ctx, b.tx, b.ws, db.ByID, db.AllColumns, dedupe(ids))
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			refs.accountsByID[a.ID] = true
		}
		b.known.Accounts = append(b.known.Accounts, accounts...)
	}
	if len(externalIDs) > 0 {
		accounts, err := db.ByKeys[db.Account](ctx, b.tx, b.ws, db.ByExternalID, db.AllColumns, dedupe(externalIDs))
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			refs.accountsByExternal[*a.ExternalID] = a.ID
		}
		b.known.Accounts = append(b.known.Accounts, accounts...)
	}
	roles, err := b.tx.ListPortalRoles(ctx, b.ws)
	if err != nil {
		return nil, err
	}
	b.known.PortalRoles = roles
	for _, r := range roles {
		refs.rolesByID[r.ID], refs.rolesBySlug[r.Slug] = r, r
		if r.IsDefault {
			refs.defaultRole = r
		}
	}
	return refs, nil
}

// applyAccounts sets the primary account and the full membership.
func (refs *references) applyAccounts(w *contactWrite) {
	c := w.record
	if v, ok := w.in.AccountID.ValueOK(); ok {
		c.AccountID = v
		if v != nil && !refs.accountsByID[*v] {
			w.ps.add(w.at.at("accountId"), NotFound, "No account has this id.")
		}
	}
	if v := w.in.AccountExternalID.Value(); v != nil {
		id, ok := refs.accountsByExternal[*v]
		if !ok {
			w.ps.add(w.at.at("accountExternalId"), NotFound, "No account has this external id.")
		}
		c.AccountID = &id
	}
	for i, id := range w.in.AddAccountIDs {
		if !refs.accountsByID[id] {
			w.ps.add(w.at.at("addAccountIds", i), NotFound, "No account has this id.")
		}
	}
	ids, ok := w.in.AccountIDs.ValueOK()
	if !ok {
		return
	}
	for i, id := range ids {
		if !refs.accountsByID[id] {
			w.ps.add(w.at.at("accountIds", i), NotFound, "No account has this id.")
		}
	}
	w.members = dedupe(ids)
}

// planMemberships works out the membership of each contact whose input
// names accounts: accountIds replaces it, addAccountIds and
// removeAccountIds change it, a primary account joins it and, moved
// (keepPreviousAccount false), the previous primary leaves it. The current
// membership of the existing contacts is read in one statement.
func (b *batch) planMemberships(ctx context.Context, writes []*contactWrite) error {
	var named []*contactWrite
	var existing []string
	for _, w := range writes {
		primary := w.in.AccountID.IsSet() || w.in.AccountExternalID.IsSet()
		if w.members == nil && !primary && len(w.in.AddAccountIDs)+len(w.in.RemoveAccountIDs) == 0 {
			continue
		}
		named = append(named, w)
		if !w.creating {
			existing = append(existing, w.record.ID)
		}
	}
	stored := make(map[string][]string)
	if len(existing) > 0 {
		memberships, err := db.ByKeys[db.ContactAccount](ctx, b.tx, b.ws, db.MembershipsByContact, db.AllColumns, existing)
		if err != nil {
			return err
		}
		for _, m := range memberships {
			stored[m.ContactID] = append(stored[m.ContactID], m.AccountID)
		}
	}
	for _, w := range named {
		w.storedMembers = stored[w.record.ID]
		w.members = w.plannedMembers()
		if len(w.members) > MaxAccountsPerContact {
			w.ps.add(w.at.at("addAccountIds"), LimitExceeded, "A contact may belong to at most %d accounts.", MaxAccountsPerContact)
		}
	}
	return nil
}

// plannedMembers applies the write's membership changes to the stored
// membership (or to accountIds, which replaces it).
func (w *contactWrite) plannedMembers() []string {
	members := w.members
	if members == nil {
		members = slices.Clone(w.storedMembers)
	}
	c, in := w.record, w.in
	leaving := slices.Clone(in.RemoveAccountIDs)
	if previous := w.stored; previous != nil && previous.AccountID != nil && in.KeepPreviousAccount != nil && !*in.KeepPreviousAccount &&
		(c.AccountID == nil || *c.AccountID != *previous.AccountID) {
		leaving = append(leaving, *previous.AccountID)
	}
	if c.AccountID != nil && slices.Contains(in.RemoveAccountIDs, *c.AccountID) && !in.AccountID.IsSet() && !in.AccountExternalID.IsSet() {
		c.AccountID = nil
	}
	members = slices.DeleteFunc(members, func(id string) bool { return slices.Contains(leaving, id) })
	for _, id := range in.AddAccountIDs {
		if !slices.Contains(members, id) {
			members = append(members, id)
		}
	}
	if c.AccountID != nil && !slices.Contains(members, *c.AccountID) {
		members = append(members, *c.AccountID)
	}
	if members == nil {
		members = []string{}
	}
	return members
}

// applyPortalRole sets the portal role: portalRoleId wins over portalRole;
// neither (or null) means the workspace's default.
func (refs *references) applyPortalRole(w *contactWrite) {
	byID, idGiven := w.in.PortalRoleID.ValueOK()
	bySlug, slugGiven := w.in.PortalRole.ValueOK()
	var role *db.PortalRole
	switch {
	case byID != nil:
		if role = refs.rolesByID[*byID]; role == nil {
			w.ps.add(w.at.at("portalRoleId"), NotFound, "No portal role has this id.")
		}
	case bySlug != nil:
		if role = refs.rolesBySlug[*bySlug]; role == nil {
			w.ps.add(w.at.at("portalRole"), NotFound, "No portal role has this slug.")
		}
	case w.creating || idGiven || slugGiven:
		role = refs.defaultRole
	}
	if role != nil {
		w.record.PortalRoleID = role.ID
	}
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
