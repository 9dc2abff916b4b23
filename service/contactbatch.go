package service

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// contactWrite is one contact's part of a mutation: its input, the row it
// writes and the problems found with it.
type contactWrite struct {
	recordWrite[*db.Contact]
	in      UpdateContactInput
	mode    PhonesMode
	current []*db.Phone
	// storedNumbers are the numbers of the current phones, before the
	// write changes them in place.
	storedNumbers []string
	phones        *phonePlan
	// members is the contact's full membership after the write, when the
	// input names accounts; storedMembers is the membership before it.
	members       []string
	storedMembers []string
}

// contacts is the kind of the contact writes.
type contacts struct{}

var _ upsertKind[*db.Contact, *contactWrite, UpdateContactInput, *UpsertContactInput, *UpsertContactResult] = contacts{}

func (contacts) noun() string                     { return "contact" }
func (contacts) externalIDKey() string            { return db.ContactExternalIDKey }
func (contacts) externalID(c *db.Contact) *string { return c.ExternalID }
func (contacts) refused(at path, ps problems) *contactWrite {
	return &contactWrite{recordWrite: recordWrite[*db.Contact]{at: at, ps: ps}}
}
func (contacts) eventTypes() (created, updated events.Type) {
	return events.ContactCreated, events.ContactUpdated
}

func (contacts) prefix() string { return db.ContactPrefix }

func (contacts) blank(b *batch) *db.Contact {
	return &db.Contact{
		Key:  db.Key{WorkspaceID: b.ws, ID: db.NewID(db.ContactPrefix)},
		Tags: []string{}, Metadata: emptyObject, MergedExternalIDs: []string{},
		Tracking: db.Tracking{CustomFields: db.CustomFieldValues{}},
	}
}

func (contacts) write(at path, c *db.Contact, creating bool, in UpdateContactInput) *contactWrite {
	return &contactWrite{recordWrite: startWrite(at, c, creating, in.ExpectedVersion), in: in}
}

func (contacts) lockByExternalIDs(ctx context.Context, b *batch, ids []string) ([]*db.Contact, error) {
	return b.tx.LockContactsByExternalIDs(ctx, b.ws, ids)
}

func (contacts) mergedExternalIDs(c *db.Contact) []string { return c.MergedExternalIDs }
func (contacts) upsertedID(in *UpsertContactInput) string { return in.ExternalID }

// startUpsert starts the write of an upsert; its phones merge unless it
// says otherwise.
func (k contacts) startUpsert(b *batch, at path, in *UpsertContactInput, current *db.Contact) *contactWrite {
	update := in.UpdateContactInput
	update.ExternalID = upsertExternalID(in.ExternalID, current == nil)
	w := startOf(b, k, at, current, update)
	w.mode = cmp.Or(in.PhonesMode, PhonesMerge)
	return w
}

func (contacts) upsertResult(w *contactWrite, i int) *UpsertContactResult {
	contact, upserted := upsertOutcome(i, &w.recordWrite)
	return &UpsertContactResult{Upserted: upserted, Contact: contact}
}

// prepare checks every write and resolves the records its input names.
func (contacts) prepare(ctx context.Context, b *batch, writes []*contactWrite) error {
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
		applyContactFields(w.record, w.in, w.creating, w.at, &w.ps)
		w.record.CustomFields = applyCustomFields(w.record.CustomFields, w.in.CustomFields, fields, w.at, &w.ps)
		w.phones = planPhones(w.record, w.current, w.in.Phones, w.mode, region, w.at, &w.ps)
	}
	valid := slices.DeleteFunc(slices.Clone(writes), hasProblems[*db.Contact, *contactWrite])
	if err := b.resolveReferences(ctx, valid); err != nil {
		return err
	}
	return b.planMemberships(ctx, valid)
}

// ownedChanges are the changes of the contact's phones (their numbers)
// and accounts (their ids), when they change.
func (contacts) ownedChanges(w *contactWrite) Changes {
	var owned Changes
	if !w.phones.empty() {
		owned = append(owned, Change{Field: "phones", Valued: true, Old: w.storedNumbers, New: w.phones.numbers(w.current)})
	}
	if w.members != nil && !sameSet(w.members, w.storedMembers) {
		owned = append(owned, Change{Field: "accounts", Valued: true, Old: sorted(w.storedMembers), New: sorted(w.members)})
	}
	return owned
}

// sorted returns a sorted copy of ids, empty rather than nil.
func sorted(ids []string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return out
}

// defaultPhoneRegion returns the workspace's default phone region when a
// number of writes may be in national form (it does not start with +), so
// that batches of numbers in E.164 form read nothing more.
func (b *batch) defaultPhoneRegion(ctx context.Context, writes []*contactWrite) (string, error) {
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
func (b *batch) loadPhones(ctx context.Context, writes []*contactWrite) error {
	var ids []string
	for _, w := range writes {
		if !w.creating && w.record != nil {
			ids = append(ids, w.record.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	phones, err := db.ByKeys[db.Phone](ctx, b.tx, b.ws, db.PhonesByContact, db.AllColumns, ids)
	if err != nil {
		return err
	}
	byContact := make(map[string][]*db.Phone)
	for _, p := range phones {
		byContact[p.ContactID] = append(byContact[p.ContactID], p)
	}
	for _, w := range writes {
		if !w.creating && w.record != nil {
			w.current = byContact[w.record.ID]
			w.storedNumbers = phoneNumbers(w.current)
		}
	}
	return nil
}
