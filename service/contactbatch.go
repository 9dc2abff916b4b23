package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// contactWrite is one contact's part of a mutation: its input, the row it
// writes and the problems found with it.
type contactWrite struct {
	at       path
	in       UpdateContactInput
	mode     PhonesMode
	contact  *db.Contact
	creating bool
	current  []*db.Phone
	phones   *phonePlan
	// members is the contact's full membership when accountIds was given.
	members []string
	ps      problems
	// written says the write was carried out (not rolled back or skipped).
	written bool
}

// result is what a single-contact mutation returns.
func (w *contactWrite) result() (*db.Contact, []*UserError, error) {
	if len(w.ps) > 0 {
		return nil, w.ps, nil
	}
	return w.contact, nil, nil
}

// contactBatch writes contacts in a fixed number of statements, however
// many there are: one transaction, bulk reads of the references, bulk
// writes of the rows, memberships and phones.
type contactBatch struct {
	tx  *db.Store
	ws  uuid.UUID
	now time.Time
}

// errRaced aborts a batch that found a new contact's external id taken by
// a concurrent transaction; the batch runs again and then updates it.
var errRaced = errors.New("external id inserted concurrently")

// maxRaceRetries bounds how often a batch is run again after a race.
const maxRaceRetries = 3

// newContact starts the write of a new contact.
func (b *contactBatch) newContact(at path, in UpdateContactInput) *contactWrite {
	c := &db.Contact{
		WorkspaceID: b.ws, ID: db.NewID(db.ContactPrefix), Version: 1,
		Tags: []string{}, Metadata: emptyObject, MergedExternalIDs: []string{}, CustomFields: db.CustomFieldValues{},
		CreatedAt: b.now, UpdatedAt: b.now,
	}
	return &contactWrite{at: at, in: in, contact: c, creating: true}
}

// existingContact starts the write of a contact locked by this transaction.
func (b *contactBatch) existingContact(at path, c *db.Contact, in UpdateContactInput) *contactWrite {
	return &contactWrite{at: at, in: in, contact: c}
}

// lockByID returns the workspace's contact with id, locked, or nil.
func (b *contactBatch) lockByID(ctx context.Context, id string) (*db.Contact, error) {
	if !db.HasPrefix(id, db.ContactPrefix) {
		return nil, nil
	}
	contacts, err := b.tx.LockContactsByIDs(ctx, b.ws, []string{id})
	if err != nil || len(contacts) == 0 {
		return nil, err
	}
	return contacts[0], nil
}

// writeOne runs a batch of one contact; any problem writes nothing.
func (s *Service) writeOne(ctx context.Context, load func(*contactBatch) ([]*contactWrite, error)) (*contactWrite, error) {
	if ps := inputProblems(ctx, nil); len(ps) > 0 {
		return &contactWrite{ps: ps}, nil
	}
	writes, err := s.writeContacts(ctx, true, func(_ context.Context, b *contactBatch) ([]*contactWrite, error) {
		return load(b)
	})
	if err != nil {
		return nil, err
	}
	return writes[0], nil
}

// writeContacts runs a batch in one transaction: load builds the writes
// (locking the existing rows), then they are checked and written. With
// atomic, any problem writes nothing; otherwise the writes without
// problems are written and the others reported.
func (s *Service) writeContacts(ctx context.Context, atomic bool, load func(context.Context, *contactBatch) ([]*contactWrite, error)) ([]*contactWrite, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var writes []*contactWrite
		err := s.store.InTx(ctx, ws, func(tx *db.Store) error {
			b := &contactBatch{tx: tx, ws: ws, now: writeTime()}
			var err error
			if writes, err = load(ctx, b); err != nil {
				return err
			}
			if err := b.prepare(ctx, writes); err != nil {
				return err
			}
			if atomic && slices.ContainsFunc(writes, hasProblems) {
				return errRejected
			}
			return b.save(ctx, slices.DeleteFunc(slices.Clone(writes), hasProblems))
		})
		switch {
		case errors.Is(err, errRaced) && attempt < maxRaceRetries:
			continue
		case errors.Is(err, errRejected):
			for _, w := range writes {
				w.written = false
			}
			return writes, nil
		}
		return writes, err
	}
}

func hasProblems(w *contactWrite) bool { return len(w.ps) > 0 }

// prepare checks every write and resolves the records its input names.
func (b *contactBatch) prepare(ctx context.Context, writes []*contactWrite) error {
	if err := b.loadPhones(ctx, writes); err != nil {
		return err
	}
	fields, err := customFieldsBySlug(ctx, b.tx, b.ws, db.ContactObject, slices.ContainsFunc(writes, func(w *contactWrite) bool {
		return len(w.in.CustomFields) > 0
	}))
	if err != nil {
		return err
	}
	region, err := b.defaultPhoneRegion(ctx, writes)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if len(w.ps) > 0 {
			continue
		}
		checkExpectedVersion(w)
		applyContactFields(w.contact, w.in, w.creating, w.at, &w.ps)
		w.contact.CustomFields = applyCustomFields(w.contact.CustomFields, w.in.CustomFields, fields, w.at, &w.ps)
		w.phones = planPhones(w.contact, w.current, w.in.Phones, w.mode, region, w.at, &w.ps)
	}
	return b.resolveReferences(ctx, slices.DeleteFunc(slices.Clone(writes), hasProblems))
}

// checkExpectedVersion refuses a write whose client saw another version.
func checkExpectedVersion(w *contactWrite) {
	want := w.in.ExpectedVersion
	if want == nil || (!w.creating && *want == w.contact.Version) {
		return
	}
	w.ps.add(w.at.at("expectedVersion"), Stale, "The contact changed since version %d; read it again and retry.", *want)
}

// defaultPhoneRegion returns the workspace's default phone region when a
// number of writes may be in national form (it does not start with +), so
// that batches of numbers in E.164 form read nothing more.
func (b *contactBatch) defaultPhoneRegion(ctx context.Context, writes []*contactWrite) (string, error) {
	national := slices.ContainsFunc(writes, func(w *contactWrite) bool {
		return slices.ContainsFunc(w.in.Phones, func(ch PhoneChange) bool {
			return ch.Number != nil && ch.Region == nil && !strings.HasPrefix(strings.TrimSpace(*ch.Number), "+")
		})
	})
	if !national {
		return "", nil
	}
	return b.tx.DefaultPhoneRegion(ctx, b.ws)
}

// loadPhones reads the current phones of the existing contacts.
func (b *contactBatch) loadPhones(ctx context.Context, writes []*contactWrite) error {
	var ids []string
	for _, w := range writes {
		if !w.creating && w.contact != nil {
			ids = append(ids, w.contact.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	phones, err := b.tx.PhonesOfContacts(ctx, b.ws, ids, db.AllColumns)
	if err != nil {
		return err
	}
	byContact := make(map[string][]*db.Phone)
	for _, p := range phones {
		byContact[p.ContactID] = append(byContact[p.ContactID], p)
	}
	for _, w := range writes {
		if !w.creating && w.contact != nil {
			w.current = byContact[w.contact.ID]
		}
	}
	return nil
}
