package service

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// CreateAccountInput is a new account.
type CreateAccountInput struct {
	Name         string
	ExternalID   *string
	Domain       *string
	Tags         []string
	Metadata     json.RawMessage
	CustomFields []*CustomFieldValueInput
}

// UpdateAccountInput are changes to an account: an absent field stays as it
// is, a null one is cleared.
type UpdateAccountInput struct {
	Name       graphql.Omittable[*string]
	ExternalID graphql.Omittable[*string]
	Domain     graphql.Omittable[*string]
	Tags       graphql.Omittable[[]string]
	Metadata   graphql.Omittable[json.RawMessage]
	// CustomFields set or (with a null value) remove custom field values.
	CustomFields []*CustomFieldValueInput
	// ExpectedVersion, when given, must be the account's version: the
	// update is refused as STALE otherwise.
	ExpectedVersion *int
}

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

func (in CreateAccountInput) asUpdate() UpdateAccountInput {
	return UpdateAccountInput{
		Name: graphql.OmittableOf(&in.Name), ExternalID: given(in.ExternalID), Domain: given(in.Domain),
		Tags: givenList(in.Tags), Metadata: givenList(in.Metadata), CustomFields: in.CustomFields,
	}
}

// CreateAccount creates an account.
func (s *Service) CreateAccount(ctx context.Context, in CreateAccountInput) (*db.Account, []*UserError, error) {
	return createOne(ctx, s, accounts{}, in.asUpdate())
}

// UpdateAccount changes an account.
func (s *Service) UpdateAccount(ctx context.Context, id string, in UpdateAccountInput) (*db.Account, []*UserError, error) {
	return updateOne(ctx, s, accounts{}, id, in)
}

// DeleteAccount deletes an account; its contacts stay and lose the membership.
func (s *Service) DeleteAccount(ctx context.Context, id string) (string, []*UserError, error) {
	return deleteByID(ctx, s, id, db.AccountPrefix, deleteOne(events.AccountDeleted, (*db.Store).DeleteAccounts))
}

// UpsertAccount creates the account with in.ExternalID or changes it.
func (s *Service) UpsertAccount(ctx context.Context, in UpsertAccountInput) (*UpsertAccountResult, error) {
	return upsertOne(ctx, s, accounts{}, &in)
}

// BulkUpsertAccounts upserts up to MaxBulkItems accounts in one
// transaction and a fixed number of statements; atomic as for contacts.
func (s *Service) BulkUpsertAccounts(ctx context.Context, inputs []*UpsertAccountInput, atomic bool) ([]*UpsertAccountResult, error) {
	return upsertBulk(ctx, s, accounts{}, inputs, atomic)
}

// accountWrite is one account's part of a mutation.
type accountWrite struct {
	recordWrite[*db.Account]
	in UpdateAccountInput
}

// accounts is the kind of the account writes.
type accounts struct{}

var _ upsertKind[*db.Account, *accountWrite, UpdateAccountInput, *UpsertAccountInput, *UpsertAccountResult] = accounts{}

func (accounts) noun() string                       { return "account" }
func (accounts) externalIDKey() string              { return db.AccountExternalIDKey }
func (accounts) ownedChanges(*accountWrite) Changes { return nil }
func (accounts) externalID(a *db.Account) *string   { return a.ExternalID }
func (accounts) refused(at path, ps problems) *accountWrite {
	return &accountWrite{recordWrite: recordWrite[*db.Account]{at: at, ps: ps}}
}
func (accounts) eventTypes() (created, updated events.Type) {
	return events.AccountCreated, events.AccountUpdated
}

func (accounts) saveOwned(context.Context, *batch, []*accountWrite) error { return nil }

func (accounts) prefix() string { return db.AccountPrefix }

func (accounts) blank(b *batch) *db.Account {
	return &db.Account{Key: db.Key{WorkspaceID: b.ws, ID: db.NewID(db.AccountPrefix)}, Tags: []string{}, Metadata: emptyObject, Tracking: db.Tracking{CustomFields: db.CustomFieldValues{}}}
}

func (accounts) write(at path, a *db.Account, creating bool, in UpdateAccountInput) *accountWrite {
	return &accountWrite{recordWrite: startWrite(at, a, creating, in.ExpectedVersion), in: in}
}

func (accounts) lockByExternalIDs(ctx context.Context, b *batch, ids []string) ([]*db.Account, error) {
	return b.tx.LockAccountsByExternalIDs(ctx, b.ws, ids)
}

// mergedExternalIDs is empty: accounts are not merged.
func (accounts) mergedExternalIDs(*db.Account) []string   { return nil }
func (accounts) upsertedID(in *UpsertAccountInput) string { return in.ExternalID }

func (k accounts) startUpsert(b *batch, at path, in *UpsertAccountInput, current *db.Account) *accountWrite {
	update := in.UpdateAccountInput
	update.ExternalID = upsertExternalID(in.ExternalID, current == nil)
	return startOf(b, k, at, current, update)
}

func (accounts) upsertResult(w *accountWrite, i int) *UpsertAccountResult {
	account, upserted := upsertOutcome(i, &w.recordWrite)
	return &UpsertAccountResult{Upserted: upserted, Account: account}
}

// prepare checks every write and applies its input to its account.
func (accounts) prepare(ctx context.Context, b *batch, writes []*accountWrite) error {
	fields, err := customFieldsBySlug(ctx, b.tx, b.ws, db.AccountObject, slices.ContainsFunc(writes, func(w *accountWrite) bool {
		return len(w.in.CustomFields) > 0
	}))
	if err != nil {
		return err
	}
	for _, w := range writes {
		if len(w.ps) == 0 {
			applyAccountFields(w.record, w.in, w.creating, fields, w.at, &w.ps)
		}
	}
	return nil
}

// applyAccountFields validates in and copies it onto a; fields are the
// account custom fields by slug, loaded when in has custom field values.
func applyAccountFields(a *db.Account, in UpdateAccountInput, creating bool, fields map[string]*db.CustomFieldDefinition, at path, ps *problems) {
	if name, ok := in.Name.ValueOK(); ok {
		if name == nil {
			ps.add(at.at("name"), Required, "Name cannot be cleared.")
		} else {
			a.Name = nfc(*name)
			checkName(ps, at.at("name"), *name)
		}
	} else if creating {
		ps.add(at.at("name"), Required, "Name is required.")
	}
	if setOptional(&a.ExternalID, in.ExternalID) && a.ExternalID != nil {
		checkExternalID(ps, at.at("externalId"), *a.ExternalID)
	}
	if setOptional(&a.Domain, in.Domain) && a.Domain != nil {
		checkDomain(ps, at.at("domain"), *a.Domain)
	}
	if tags, ok := in.Tags.ValueOK(); ok {
		a.Tags = normalizeTags(ps, at.at("tags"), tags)
	}
	if metadata, ok := in.Metadata.ValueOK(); ok {
		a.Metadata = normalizeMetadata(ps, at.at("metadata"), metadata)
	}
	a.CustomFields = applyCustomFields(a.CustomFields, in.CustomFields, fields, at, ps)
}
