package service

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/contacts-api/contacts/db"
)

// UpsertAccountInput creates the account with ExternalID, or changes it
// when it exists; absent fields stay as they are.
type UpsertAccountInput struct {
	UpdateAccountInput
	ExternalID string
}

// UpsertAccountResult is the outcome of one upsert of an account.
type UpsertAccountResult struct {
	Upserted
	Account *db.Account
}

// UpsertAccount creates the account with in.ExternalID or changes it.
func (s *Service) UpsertAccount(ctx context.Context, in UpsertAccountInput) (*UpsertAccountResult, error) {
	return upsertOne(ctx, &in, s.upsertAccounts)
}

// BulkUpsertAccounts upserts up to MaxBulkItems accounts in one
// transaction and a fixed number of statements; atomic as for contacts.
func (s *Service) BulkUpsertAccounts(ctx context.Context, inputs []*UpsertAccountInput, atomic bool) ([]*UpsertAccountResult, error) {
	return upsertBulk(ctx, inputs, atomic, "accounts", s.upsertAccounts)
}

func (s *Service) upsertAccounts(ctx context.Context, inputs []*UpsertAccountInput, atomic bool, pathOf func(int) path) ([]*UpsertAccountResult, error) {
	writes, err := writeBatch(ctx, s, accounts{}, atomic, func(ctx context.Context, b *batch) ([]*accountWrite, error) {
		return b.loadAccountUpserts(ctx, inputs, pathOf)
	})
	return upsertResults(writes, err, func(w *accountWrite, i int) *UpsertAccountResult {
		account, upserted := upsertOutcome(i, &w.recordWrite)
		return &UpsertAccountResult{Upserted: upserted, Account: account}
	})
}

// loadAccountUpserts locks the accounts the inputs name and starts one
// write per input: an update of the account found, or a create.
func (b *batch) loadAccountUpserts(ctx context.Context, inputs []*UpsertAccountInput, pathOf func(int) path) ([]*accountWrite, error) {
	refused := refusedInputs(ctx, len(inputs), pathOf)
	var externalIDs []string
	for i, in := range inputs {
		if refused[i] == nil {
			externalIDs = append(externalIDs, in.ExternalID)
		}
	}
	existing, err := b.tx.LockAccountsByExternalIDs(ctx, b.ws, dedupe(externalIDs))
	if err != nil {
		return nil, err
	}
	byExternalID := make(map[string]*db.Account, len(existing))
	for _, a := range existing {
		byExternalID[*a.ExternalID] = a
	}
	first := make(map[string]int)
	writes := make([]*accountWrite, len(inputs))
	for i, in := range inputs {
		if refused[i] != nil {
			writes[i] = accounts{}.refused(pathOf(i), refused[i])
			continue
		}
		update := in.UpdateAccountInput
		if current := byExternalID[in.ExternalID]; current != nil {
			update.ExternalID = graphql.Omittable[*string]{}
			writes[i] = b.existingAccount(pathOf(i), current, update)
		} else {
			update.ExternalID = graphql.OmittableOf(&in.ExternalID)
			writes[i] = b.newAccount(pathOf(i), update)
		}
		writes[i].upsert = true
		if j, dup := first[in.ExternalID]; dup {
			writes[i].ps.add(pathOf(i).at("externalId"), AlreadyExists, "Input %d of this call already upserts this account.", j)
			continue
		}
		first[in.ExternalID] = i
	}
	return writes, nil
}
