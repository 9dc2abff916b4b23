package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// UpsertAccountInput creates the account with ExternalID, or changes it
// when it exists; absent fields stay as they are.
type UpsertAccountInput struct {
	UpdateAccountInput
	ExternalID string
}

// UpsertAccountResult is the outcome of one account upsert.
type UpsertAccountResult struct {
	Index      int
	Account    *db.Account
	Created    bool
	UserErrors []*UserError
}

// accountWrite is one account's part of an upsert.
type accountWrite struct {
	at       path
	account  *db.Account
	creating bool
	ps       problems
	written  bool
}

// UpsertAccount creates the account with in.ExternalID or changes it.
func (s *Service) UpsertAccount(ctx context.Context, in UpsertAccountInput) (*UpsertAccountResult, error) {
	results, err := s.upsertAccounts(ctx, []*UpsertAccountInput{&in}, true, func(int) path { return inputPath })
	if err != nil {
		return nil, err
	}
	return results[0], nil
}

// BulkUpsertAccounts upserts up to MaxBulkItems accounts in one
// transaction and a fixed number of statements; atomic as for contacts.
func (s *Service) BulkUpsertAccounts(ctx context.Context, inputs []*UpsertAccountInput, atomic bool) ([]*UpsertAccountResult, error) {
	if len(inputs) > MaxBulkItems {
		return nil, &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("At most %d accounts per call, not %d.", MaxBulkItems, len(inputs))}
	}
	return s.upsertAccounts(ctx, inputs, atomic, func(i int) path { return path{"inputs"}.at(i) })
}

func (s *Service) upsertAccounts(ctx context.Context, inputs []*UpsertAccountInput, atomic bool, pathOf func(int) path) ([]*UpsertAccountResult, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	var writes []*accountWrite
	for attempt := 0; ; attempt++ {
		err = s.store.InTx(ctx, ws, func(tx *db.Store) error {
			if writes, err = prepareAccountUpserts(ctx, tx, ws, inputs, pathOf); err != nil {
				return err
			}
			if atomic && slices.ContainsFunc(writes, func(w *accountWrite) bool { return len(w.ps) > 0 }) {
				return errRejected
			}
			return saveAccountUpserts(ctx, tx, writes)
		})
		if !errors.Is(err, errRaced) || attempt == maxRaceRetries {
			break
		}
	}
	if err != nil && !errors.Is(err, errRejected) {
		return nil, err
	}
	results := make([]*UpsertAccountResult, len(writes))
	for i, w := range writes {
		r := &UpsertAccountResult{Index: i, UserErrors: append([]*UserError{}, w.ps...)}
		if w.written && err == nil {
			r.Account, r.Created = w.account, w.creating
		}
		results[i] = r
	}
	return results, nil
}

// prepareAccountUpserts locks the accounts the inputs name and applies
// each input to its account, new or found.
func prepareAccountUpserts(ctx context.Context, tx *db.Store, ws uuid.UUID, inputs []*UpsertAccountInput, pathOf func(int) path) ([]*accountWrite, error) {
	refused := refusedInputs(ctx, len(inputs), pathOf)
	var externalIDs []string
	for i, in := range inputs {
		if refused[i] == nil {
			externalIDs = append(externalIDs, in.ExternalID)
		}
	}
	existing, err := tx.LockAccountsByExternalIDs(ctx, ws, dedupe(externalIDs))
	if err != nil {
		return nil, err
	}
	byExternalID := make(map[string]*db.Account, len(existing))
	for _, a := range existing {
		byExternalID[*a.ExternalID] = a
	}
	fields, err := customFieldsBySlug(ctx, tx, ws, db.AccountObject, slices.ContainsFunc(inputs, func(in *UpsertAccountInput) bool {
		return len(in.CustomFields) > 0
	}))
	if err != nil {
		return nil, err
	}
	now := writeTime()
	first := make(map[string]int)
	writes := make([]*accountWrite, len(inputs))
	for i, in := range inputs {
		if refused[i] != nil {
			writes[i] = &accountWrite{at: pathOf(i), ps: refused[i]}
			continue
		}
		w := &accountWrite{at: pathOf(i), account: byExternalID[in.ExternalID]}
		update := in.UpdateAccountInput
		update.ExternalID = graphql.Omittable[*string]{}
		if w.account == nil {
			w.creating = true
			w.account = &db.Account{WorkspaceID: ws, ID: db.NewID(db.AccountPrefix), Version: 1, Tags: []string{}, Metadata: emptyObject, CustomFields: db.CustomFieldValues{}, CreatedAt: now, UpdatedAt: now}
			update.ExternalID = graphql.OmittableOf(&in.ExternalID)
		}
		if j, dup := first[in.ExternalID]; dup {
			w.ps.add(w.at.at("externalId"), AlreadyExists, "Input %d of this call already upserts this account.", j)
		} else {
			first[in.ExternalID] = i
			applyAccountFields(w.account, update, w.creating, fields, w.at, &w.ps)
		}
		writes[i] = w
	}
	return writes, nil
}

// saveAccountUpserts writes the accounts without problems in two statements.
func saveAccountUpserts(ctx context.Context, tx *db.Store, writes []*accountWrite) error {
	var fresh, changed []*db.Account
	for _, w := range writes {
		switch {
		case len(w.ps) > 0:
		case w.creating:
			fresh = append(fresh, w.account)
		default:
			w.account.Version++
			w.account.UpdatedAt = writeTime()
			changed = append(changed, w.account)
		}
	}
	inserted, err := tx.InsertAccountsIfAbsent(ctx, fresh)
	if err != nil {
		return err
	}
	if len(inserted) < len(fresh) {
		return errRaced
	}
	if err := tx.UpdateAccounts(ctx, changed); err != nil {
		return err
	}
	for _, w := range writes {
		w.written = len(w.ps) == 0
	}
	return nil
}
