package service

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// MaxBulkItems bounds the records of one bulk mutation.
const MaxBulkItems = 1000

// CodeLimitExceeded refuses a bulk call over MaxBulkItems.
const CodeLimitExceeded = "LIMIT_EXCEEDED"

// Upserted is what an upsert of one record did, whatever its kind.
type Upserted struct {
	// Index is the upsert's position in a bulk call.
	Index int
	// Action says what the upsert did; nil when it failed.
	Action *Action
	// Changes is the change set of an update.
	Changes    Changes
	UserErrors []*UserError
}

// Created says whether the upsert created the record.
func (r *Upserted) Created() bool { return r.Action != nil && *r.Action == Created }

// UpsertContactResult is the outcome of one upsert of a contact.
type UpsertContactResult struct {
	Upserted
	Contact *db.Contact
}

// UpsertContact creates the contact with in.ExternalID or changes it, in
// one transaction that is safe against concurrent upserts of the same id.
func (s *Service) UpsertContact(ctx context.Context, in UpsertContactInput) (*UpsertContactResult, error) {
	return upsertOne(ctx, &in, s.upsertContacts)
}

// BulkUpsertContacts upserts up to MaxBulkItems contacts in one
// transaction and a fixed number of statements. With atomic, any problem
// writes nothing; otherwise the valid upserts are written and each failed
// one is reported by its index.
func (s *Service) BulkUpsertContacts(ctx context.Context, inputs []*UpsertContactInput, atomic bool) ([]*UpsertContactResult, error) {
	return upsertBulk(ctx, inputs, atomic, "contacts", s.upsertContacts)
}

func (s *Service) upsertContacts(ctx context.Context, inputs []*UpsertContactInput, atomic bool, pathOf func(int) path) ([]*UpsertContactResult, error) {
	writes, err := writeBatch(ctx, s, contacts{}, atomic, func(ctx context.Context, b *batch) ([]*contactWrite, error) {
		return b.loadUpserts(ctx, inputs, pathOf)
	})
	return upsertResults(writes, err, (*contactWrite).upsertResult)
}

// upsertResult is the outcome of the write, input i of its call.
func (w *contactWrite) upsertResult(i int) *UpsertContactResult {
	contact, upserted := upsertOutcome(i, &w.recordWrite)
	return &UpsertContactResult{Upserted: upserted, Contact: contact}
}

// upserter runs the upserts of inputs of one kind of record as one batch,
// atomic or not, each input at pathOf(its index).
type upserter[In, Result any] func(ctx context.Context, inputs []*In, atomic bool, pathOf func(int) path) ([]Result, error)

// upsertOne runs the upsert of one input, the input of its mutation.
func upsertOne[In, Result any](ctx context.Context, in *In, upsert upserter[In, Result]) (Result, error) {
	results, err := upsert(ctx, []*In{in}, true, func(int) path { return inputPath })
	if err != nil {
		var none Result
		return none, err
	}
	return results[0], nil
}

// upsertBulk runs the upserts of the inputs of a bulk mutation of up to
// MaxBulkItems records (nouns).
func upsertBulk[In, Result any](ctx context.Context, inputs []*In, atomic bool, nouns string, upsert upserter[In, Result]) ([]Result, error) {
	if err := checkBulkSize(len(inputs), nouns); err != nil {
		return nil, err
	}
	return upsert(ctx, inputs, atomic, func(i int) path { return path{"inputs"}.at(i) })
}

// checkBulkSize refuses a bulk call of n records (nouns) over MaxBulkItems.
func checkBulkSize(n int, nouns string) error {
	if n > MaxBulkItems {
		return &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("At most %d %s per call, not %d.", MaxBulkItems, nouns, n)}
	}
	return nil
}

// upsertResults is the outcome of each write of a batch of upserts, by
// its input's index, unless the batch failed with err.
func upsertResults[W, Result any](writes []W, err error, result func(w W, i int) Result) ([]Result, error) {
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(writes))
	for i, w := range writes {
		results[i] = result(w, i)
	}
	return results, nil
}

// upsertOutcome is what write w, input i of its call, did, with its
// record when it was written.
func upsertOutcome[R record](i int, w *recordWrite[R]) (R, Upserted) {
	u := Upserted{Index: i, UserErrors: w.ps}
	if u.UserErrors == nil {
		u.UserErrors = []*UserError{}
	}
	if !w.written {
		return nil, u
	}
	action := w.action()
	u.Action, u.Changes = &action, w.changes
	return w.record, u
}

// loadUpserts locks the contacts that the inputs' external ids name (also
// through the external ids merged into them) and starts one write per
// input: an update of the contact found, or a create.
func (b *batch) loadUpserts(ctx context.Context, inputs []*UpsertContactInput, pathOf func(int) path) ([]*contactWrite, error) {
	refused := refusedInputs(ctx, len(inputs), pathOf)
	var externalIDs []string
	for i, in := range inputs {
		if refused[i] == nil {
			externalIDs = append(externalIDs, in.ExternalID)
		}
	}
	existing, err := b.tx.LockContactsByExternalIDs(ctx, b.ws, dedupe(externalIDs))
	if err != nil {
		return nil, err
	}
	byExternalID := make(map[string]*db.Contact)
	for _, c := range existing {
		for _, id := range c.MergedExternalIDs {
			byExternalID[id] = c
		}
		byExternalID[*c.ExternalID] = c
	}
	writes := make([]*contactWrite, len(inputs))
	claimed := make(map[string]int)
	for i, in := range inputs {
		if refused[i] != nil {
			writes[i] = contacts{}.refused(pathOf(i), refused[i])
			continue
		}
		writes[i] = b.startUpsert(pathOf(i), *in, byExternalID[in.ExternalID])
		key := in.ExternalID
		if c := byExternalID[key]; c != nil {
			key = c.ID
		}
		if first, dup := claimed[key]; dup {
			writes[i].ps.add(pathOf(i).at("externalId"), AlreadyExists, "Input %d of this call already upserts this contact.", first)
			continue
		}
		claimed[key] = i
	}
	return writes, nil
}

// startUpsert starts the write of one upsert.
func (b *batch) startUpsert(at path, in UpsertContactInput, current *db.Contact) *contactWrite {
	mode := in.PhonesMode
	if mode == "" {
		mode = PhonesMerge
	}
	update := in.UpdateContactInput
	var w *contactWrite
	if current != nil {
		update.ExternalID = graphql.Omittable[*string]{}
		w = b.existingContact(at, current, update)
	} else {
		update.ExternalID = graphql.OmittableOf(&in.ExternalID)
		w = b.newContact(at, update)
	}
	w.mode, w.upsert = mode, true
	return w
}

// DeleteContacts deletes up to MaxBulkItems contacts with their phones and
// memberships. An id the workspace has no contact for is a user error at
// its index, and then nothing is deleted.
func (s *Service) DeleteContacts(ctx context.Context, ids []string) ([]string, []*UserError, error) {
	if err := checkBulkSize(len(ids), "contacts"); err != nil {
		return nil, nil, err
	}
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) ([]string, error) {
		deleted, err := deleteRecorded(ctx, tx, ws, events.ContactDeleted, (*db.Store).DeleteContacts, dedupe(ids))
		if err != nil {
			return nil, err
		}
		gone := make(map[string]bool, len(deleted))
		deletedIDs := make([]string, len(deleted))
		for i, d := range deleted {
			gone[d.ID], deletedIDs[i] = true, d.ID
		}
		for i, id := range ids {
			if !gone[id] {
				ps.add(path{"ids"}.at(i), NotFound, "No contact has this id.")
			}
		}
		return deletedIDs, nil
	})
}
