package service

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
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

func (in CreateAccountInput) asUpdate() UpdateAccountInput {
	return UpdateAccountInput{
		Name: graphql.OmittableOf(&in.Name), ExternalID: given(in.ExternalID), Domain: given(in.Domain),
		Tags: givenList(in.Tags), Metadata: givenList(in.Metadata), CustomFields: in.CustomFields,
	}
}

// CreateAccount creates an account.
func (s *Service) CreateAccount(ctx context.Context, in CreateAccountInput) (*db.Account, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.Account, error) {
		account := &db.Account{WorkspaceID: ws, ID: db.NewID(db.AccountPrefix), Version: 1, Tags: []string{}, Metadata: emptyObject, CustomFields: db.CustomFieldValues{}}
		return account, writeAccount(ctx, tx, account, in.asUpdate(), true, ps)
	})
}

// UpdateAccount changes an account.
func (s *Service) UpdateAccount(ctx context.Context, id string, in UpdateAccountInput) (*db.Account, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.Account, error) {
		account, err := lockAccount(ctx, tx, ws, id)
		if err != nil || account == nil {
			ps.add(path{"id"}, NotFound, "No account has this id.")
			return nil, err
		}
		return account, writeAccount(ctx, tx, account, in, false, ps)
	})
}

// DeleteAccount deletes an account; its contacts stay and lose the membership.
func (s *Service) DeleteAccount(ctx context.Context, id string) (string, []*UserError, error) {
	return deleteByID(ctx, s, id, db.AccountPrefix, (*db.Store).DeleteAccount)
}

// lockAccount returns the account locked for update, or nil when the
// workspace has none with this id.
func lockAccount(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (*db.Account, error) {
	if !db.HasPrefix(id, db.AccountPrefix) {
		return nil, nil
	}
	a, err := tx.AccountForUpdate(ctx, ws, id)
	if db.IsNoRows(err) {
		return nil, nil
	}
	return a, err
}

// writeAccount validates in, applies it to a and writes a.
func writeAccount(ctx context.Context, tx *db.Store, a *db.Account, in UpdateAccountInput, creating bool, ps *problems) error {
	fields, err := customFieldsBySlug(ctx, tx, a.WorkspaceID, db.AccountObject, len(in.CustomFields) > 0)
	if err != nil {
		return err
	}
	applyAccountFields(a, in, creating, fields, inputPath, ps)
	if len(*ps) > 0 {
		return nil
	}
	if creating {
		err = tx.InsertAccount(ctx, a)
	} else {
		err = tx.UpdateAccount(ctx, a)
	}
	if db.UniqueViolation(err) == db.AccountExternalIDKey {
		ps.add(inputPath.at("externalId"), AlreadyExists, "Another account has this external id.")
		return errRejected
	}
	return err
}

// applyAccountFields validates in and copies it onto a; fields are the
// account custom fields by slug, loaded when in has custom field values.
func applyAccountFields(a *db.Account, in UpdateAccountInput, creating bool, fields map[string]*db.CustomFieldDefinition, at path, ps *problems) {
	if v := in.ExpectedVersion; v != nil && (creating || *v != a.Version) {
		ps.add(at.at("expectedVersion"), Stale, "The account changed since version %d; read it again and retry.", *v)
	}
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
