package service

import (
	"context"
	"slices"

	"github.com/contacts-api/contacts/db"
)

// saveOwned writes the memberships and phones of the new and changed
// contacts, in at most four statements.
func (contacts) saveOwned(ctx context.Context, b *batch, writes []*contactWrite) error {
	if err := b.saveMemberships(ctx, writes); err != nil {
		return err
	}
	return b.savePhones(ctx, writes)
}

// saveMemberships makes the memberships of the contacts whose accounts
// changed what their writes worked out.
func (b *batch) saveMemberships(ctx context.Context, writes []*contactWrite) error {
	replaced := make(map[string][]string)
	var hadMembers []string
	for _, w := range writes {
		if w.members != nil && !sameSet(w.members, w.storedMembers) {
			replaced[w.record.ID] = w.members
			if len(w.storedMembers) > 0 {
				hadMembers = append(hadMembers, w.record.ID)
			}
		}
	}
	return b.tx.ReplaceMemberships(ctx, b.ws, replaced, hadMembers)
}

// savePhones writes every phone plan. A changed phone is deleted and
// inserted again with its id and creation time, in the same statements as
// the removals and additions: numbers may then swap or move between
// phones, which row by row updates would refuse as transient duplicates.
func (b *batch) savePhones(ctx context.Context, writes []*contactWrite) error {
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
		if w.creating {
			b.known.knowCreated(w.record.ID, plan.inserts, w.members)
		}
		rows = slices.Concat(rows, plan.updates, plan.inserts)
	}
	if err := b.tx.DeletePhonesByIDs(ctx, b.ws, gone); err != nil {
		return err
	}
	return b.tx.InsertPhones(ctx, rows)
}

// sameSet says whether a and b hold the same ids, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, id := range a {
		if !slices.Contains(b, id) {
			return false
		}
	}
	return true
}
