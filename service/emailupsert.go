package service

import (
	"cmp"
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// Ambiguous refuses a write whose key names more than one record.
const Ambiguous ErrorCode = "AMBIGUOUS"

// maxAmbiguousNamed bounds the contacts an AMBIGUOUS error names.
const maxAmbiguousNamed = 10

// UpsertContactByEmail creates the contact with email, or changes the one
// contact of the workspace that has it (in any case, its domain however
// written); several are AMBIGUOUS. Concurrent upserts of one email run one
// after the other, so they create one contact.
func (s *Service) UpsertContactByEmail(ctx context.Context, email string, in UpdateContactInput, mode PhonesMode) (*UpsertContactResult, error) {
	if ps := inputProblems(ctx, nil); len(ps) > 0 {
		return &UpsertContactResult{Upserted: Upserted{UserErrors: ps}}, nil
	}
	writes, err := writeBatch(ctx, s, contacts{}, true, func(ctx context.Context, b *batch) ([]*contactWrite, error) {
		w, err := b.loadEmailUpsert(ctx, email, in, mode)
		return []*contactWrite{w}, err
	})
	if err != nil {
		return nil, err
	}
	return contacts{}.upsertResult(writes[0], 0), nil
}

// loadEmailUpsert locks the email and the contacts that have it, and
// starts the write: an update of the one found, or a create.
func (b *batch) loadEmailUpsert(ctx context.Context, email string, in UpdateContactInput, mode PhonesMode) (*contactWrite, error) {
	refused := contacts{}.refused(inputPath, nil)
	email = normalizeEmail(&refused.ps, path{"email"}, email)
	if len(refused.ps) > 0 {
		return refused, nil
	}
	if err := b.tx.LockEmail(ctx, b.ws, email); err != nil {
		return nil, err
	}
	found, err := b.tx.LockContactsByEmail(ctx, b.ws, email, maxAmbiguousNamed)
	if err != nil {
		return nil, err
	}
	var w *contactWrite
	switch len(found) {
	case 0:
		if !in.Email.IsSet() {
			in.Email = graphql.OmittableOf(&email)
		}
		w = startOf(b, contacts{}, inputPath, nil, in)
	case 1:
		w = startOf(b, contacts{}, inputPath, found[0], in)
	default:
		ids := make([]string, len(found))
		for i, c := range found {
			ids[i] = c.ID
		}
		refused.ps.add(path{"email"}, Ambiguous, "Several contacts have this email (%s); merge them with mergeContacts, or upsert by external id.", strings.Join(ids, ", "))
		return refused, nil
	}
	w.mode = cmp.Or(mode, PhonesMerge)
	return w, nil
}
