package service

import (
	"context"
	"slices"

	"github.com/contacts-api/contacts/db"
)

// save writes the rows, memberships and phones of writes that have no
// problems, in at most seven statements.
func (b *contactBatch) save(ctx context.Context, writes []*contactWrite) error {
	if err := b.saveRows(ctx, writes); err != nil {
		return err
	}
	if err := b.saveMemberships(ctx, writes); err != nil {
		return err
	}
	if err := b.savePhones(ctx, writes); err != nil {
		return err
	}
	for _, w := range writes {
		w.written = true
	}
	return nil
}

// saveRows inserts the new contacts and updates the others.
func (b *contactBatch) saveRows(ctx context.Context, writes []*contactWrite) error {
	var fresh, changed []*db.Contact
	for _, w := range writes {
		if w.creating {
			fresh = append(fresh, w.contact)
			continue
		}
		w.contact.Version++
		w.contact.UpdatedAt = b.now
		changed = append(changed, w.contact)
	}
	inserted, err := b.tx.InsertContactsIfAbsent(ctx, fresh)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if w.creating && !inserted[w.contact.ID] {
			return b.externalIDTaken(w)
		}
	}
	err = b.tx.UpdateContacts(ctx, changed)
	if db.UniqueViolation(err) == db.ContactExternalIDKey && len(changed) == 1 {
		return b.externalIDTaken(writes[0])
	}
	return err
}

// externalIDTaken handles a write whose external id another contact has:
// an upsert lost a race and runs again; a create or update is refused.
func (b *contactBatch) externalIDTaken(w *contactWrite) error {
	if w.mode != "" {
		return errRaced
	}
	w.ps.add(w.at.at("externalId"), AlreadyExists, "Another contact has this external id.")
	return errRejected
}

// saveMemberships keeps each contact's primary account among its accounts
// and replaces the memberships of those whose accountIds were given.
func (b *contactBatch) saveMemberships(ctx context.Context, writes []*contactWrite) error {
	replaced := make(map[string][]string)
	var addContacts, addAccounts []string
	for _, w := range writes {
		c := w.contact
		switch {
		case w.members != nil:
			members := w.members
			if c.AccountID != nil && !slices.Contains(members, *c.AccountID) {
				members = append(members, *c.AccountID)
			}
			replaced[c.ID] = members
		case c.AccountID != nil && (w.in.AccountID.IsSet() || w.in.AccountExternalID.IsSet()):
			addContacts = append(addContacts, c.ID)
			addAccounts = append(addAccounts, *c.AccountID)
		}
	}
	if err := b.tx.ReplaceMemberships(ctx, b.ws, replaced); err != nil {
		return err
	}
	return b.tx.AddMembershipPairs(ctx, b.ws, addContacts, addAccounts)
}

// savePhones writes every phone plan. A changed phone is deleted and
// inserted again with its id and creation time, in the same statements as
// the removals and additions: numbers may then swap or move between
// phones, which row by row updates would refuse as transient duplicates.
func (b *contactBatch) savePhones(ctx context.Context, writes []*contactWrite) error {
	var gone []string
	var rows []*db.Phone
	for _, w := range writes {
		plan := w.phones
		gone = append(gone, plan.deletes...)
		for _, p := range plan.updates {
			gone = append(gone, p.ID)
			p.UpdatedAt = b.now
		}
		for _, p := range plan.inserts {
			p.CreatedAt, p.UpdatedAt = b.now, b.now
		}
		rows = slices.Concat(rows, plan.updates, plan.inserts)
	}
	if err := b.tx.DeletePhonesByIDs(ctx, b.ws, gone); err != nil {
		return err
	}
	return b.tx.InsertPhones(ctx, rows)
}
