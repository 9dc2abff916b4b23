package service

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// MaxAccountsPerContact bounds accountIds.
const MaxAccountsPerContact = 100

// CreateContactInput is a new contact.
type CreateContactInput struct {
	ExternalID        *string
	Name              *string
	FirstName         *string
	LastName          *string
	Email             *string
	AvatarURL         *string
	Description       *string
	Tags              []string
	Metadata          json.RawMessage
	AccountID         *string
	AccountExternalID *string
	AccountIDs        []string
	PortalRole        *string
	PortalRoleID      *string
	Phones            []PhoneInput
	CustomFields      []*CustomFieldValueInput
}

// PhoneInput is a phone number to add.
type PhoneInput struct {
	Number string
	// Region is the country whose national form Number is in; the
	// workspace's default phone region when nil.
	Region *string
	Type   *db.PhoneType
}

// UpdateContactInput are changes to a contact: an absent field stays as it
// is, a null one is cleared.
type UpdateContactInput struct {
	ExternalID        graphql.Omittable[*string]
	Name              graphql.Omittable[*string]
	FirstName         graphql.Omittable[*string]
	LastName          graphql.Omittable[*string]
	Email             graphql.Omittable[*string]
	AvatarURL         graphql.Omittable[*string]
	Description       graphql.Omittable[*string]
	Tags              graphql.Omittable[[]string]
	Metadata          graphql.Omittable[json.RawMessage]
	AccountID         graphql.Omittable[*string]
	AccountExternalID graphql.Omittable[*string]
	AccountIDs        graphql.Omittable[[]string]
	// AddAccountIDs and RemoveAccountIDs change the membership by delta,
	// where AccountIDs replaces it.
	AddAccountIDs    []string
	RemoveAccountIDs []string
	// KeepPreviousAccount, false, makes a change of the primary account a
	// move: the contact leaves its previous primary account.
	KeepPreviousAccount *bool
	PortalRole          graphql.Omittable[*string]
	PortalRoleID        graphql.Omittable[*string]
	Phones              []PhoneChange
	// CustomFields set or (with a null value) remove custom field values;
	// the others stay as they are.
	CustomFields []*CustomFieldValueInput
	// ExpectedVersion, when given, must be the contact's version: the
	// update is refused as STALE otherwise.
	ExpectedVersion *int
}

// PhonesMode says how an upsert's phones combine with the contact's.
type PhonesMode string

// The phone modes of upserts.
const (
	// PhonesMerge applies the changes; a number the contact already has
	// updates that phone rather than adding it twice, so retries are safe.
	PhonesMerge PhonesMode = "MERGE"
	// PhonesReplace makes the given numbers the contact's phones.
	PhonesReplace PhonesMode = "REPLACE"
)

// UpsertContactInput creates the contact with ExternalID, or changes it
// when it exists; absent fields stay as they are.
type UpsertContactInput struct {
	UpdateContactInput
	ExternalID string
	PhonesMode PhonesMode
}

// PhoneChange adds a phone (no ID), changes one (ID) or removes one (ID and
// Destroy).
type PhoneChange struct {
	ID     *string
	Number *string
	// Region is the country whose national form Number is in; the
	// workspace's default phone region when nil.
	Region  *string
	Type    graphql.Omittable[*db.PhoneType]
	Destroy *bool
}

// given turns an optional create field into an update field that is set
// only when the value was given.
func given[T any](v *T) graphql.Omittable[*T] {
	if v == nil {
		return graphql.Omittable[*T]{}
	}
	return graphql.OmittableOf(v)
}

// givenList is given for lists, absent when nil.
func givenList[S ~[]E, E any](v S) graphql.Omittable[S] {
	if v == nil {
		return graphql.Omittable[S]{}
	}
	return graphql.OmittableOf(v)
}

// asUpdate expresses a create as an update of an empty contact, so that one
// set of rules serves both.
func (in CreateContactInput) asUpdate() UpdateContactInput {
	phones := make([]PhoneChange, len(in.Phones))
	for i, p := range in.Phones {
		phones[i] = PhoneChange{Number: &p.Number, Region: p.Region, Type: given(p.Type)}
	}
	return UpdateContactInput{
		ExternalID: given(in.ExternalID), Name: given(in.Name),
		FirstName: given(in.FirstName), LastName: given(in.LastName),
		Email: given(in.Email), AvatarURL: given(in.AvatarURL), Description: given(in.Description),
		Tags: givenList(in.Tags), Metadata: givenList(in.Metadata),
		AccountID: given(in.AccountID), AccountExternalID: given(in.AccountExternalID),
		AccountIDs: givenList(in.AccountIDs),
		PortalRole: given(in.PortalRole), PortalRoleID: given(in.PortalRoleID),
		Phones: phones, CustomFields: in.CustomFields,
	}
}

var inputPath = path{"input"}

// CreateContact creates a contact with its memberships and phones.
func (s *Service) CreateContact(ctx context.Context, in CreateContactInput) (*db.Contact, []*UserError, error) {
	return createOne(ctx, s, contacts{}, in.asUpdate())
}

// UpdateContact changes a contact, its memberships and phones.
func (s *Service) UpdateContact(ctx context.Context, id string, in UpdateContactInput) (*db.Contact, []*UserError, error) {
	return updateOne(ctx, s, contacts{}, id, in)
}

// DeleteContact deletes a contact with its phones and memberships.
func (s *Service) DeleteContact(ctx context.Context, id string) (string, []*UserError, error) {
	return deleteByID(ctx, s, id, db.ContactPrefix, deleteOne(events.ContactDeleted, (*db.Store).DeleteContacts))
}

// UpsertContactResult is the outcome of one upsert of a contact.
type UpsertContactResult struct {
	Upserted
	Contact *db.Contact
}

// UpsertContact creates the contact with in.ExternalID or changes it, in
// one transaction that is safe against concurrent upserts of the same id.
func (s *Service) UpsertContact(ctx context.Context, in UpsertContactInput) (*UpsertContactResult, error) {
	return upsertOne(ctx, s, contacts{}, &in)
}

// BulkUpsertContacts upserts up to MaxBulkItems contacts in one
// transaction and a fixed number of statements. With atomic, any problem
// writes nothing; otherwise the valid upserts are written and each failed
// one is reported by its index.
func (s *Service) BulkUpsertContacts(ctx context.Context, inputs []*UpsertContactInput, atomic bool) ([]*UpsertContactResult, error) {
	return upsertBulk(ctx, s, contacts{}, inputs, atomic)
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

// applyContactFields validates the plain fields of in and copies them onto c.
func applyContactFields(c *db.Contact, in UpdateContactInput, creating bool, at path, ps *problems) {
	if v, ok := in.ExternalID.ValueOK(); ok {
		if v != nil {
			checkExternalID(ps, at.at("externalId"), *v)
		}
		c.ExternalID = v
	}
	if setOptional(&c.FirstName, in.FirstName) {
		c.FirstName = nfcOf(c.FirstName)
	}
	if setOptional(&c.LastName, in.LastName) {
		c.LastName = nfcOf(c.LastName)
	}
	applyContactName(c, in, creating, at, ps)
	if setOptional(&c.Email, in.Email) && c.Email != nil {
		email := normalizeEmail(ps, at.at("email"), *c.Email)
		c.Email = &email
	}
	if setOptional(&c.AvatarURL, in.AvatarURL) && c.AvatarURL != nil {
		checkAvatarURL(ps, at.at("avatarUrl"), *c.AvatarURL)
	}
	if setOptional(&c.Description, in.Description) {
		c.Description = nfcOf(c.Description)
	}
	if tags, ok := in.Tags.ValueOK(); ok {
		c.Tags = normalizeTags(ps, at.at("tags"), tags)
	}
	if metadata, ok := in.Metadata.ValueOK(); ok {
		c.Metadata = normalizeMetadata(ps, at.at("metadata"), metadata)
	}
	if in.AccountID.Value() != nil && in.AccountExternalID.Value() != nil {
		ps.add(at.at("accountExternalId"), MutuallyExclusive, "Give accountId or accountExternalId, not both.")
	}
	if in.AccountIDs.IsSet() && len(in.AddAccountIDs)+len(in.RemoveAccountIDs) > 0 {
		ps.add(at.at("accountIds"), MutuallyExclusive, "Give accountIds, or addAccountIds and removeAccountIds, not both.")
	}
	lists := []struct {
		field string
		ids   []string
	}{{"accountIds", in.AccountIDs.Value()}, {"addAccountIds", in.AddAccountIDs}, {"removeAccountIds", in.RemoveAccountIDs}}
	for _, list := range lists {
		if len(list.ids) > MaxAccountsPerContact {
			ps.add(at.at(list.field), LimitExceeded, "A contact may belong to at most %d accounts.", MaxAccountsPerContact)
		}
	}
}

// applyContactName sets the name; on create it defaults to the first and
// last names.
func applyContactName(c *db.Contact, in UpdateContactInput, creating bool, at path, ps *problems) {
	name, given := in.Name.ValueOK()
	switch {
	case given && name != nil:
		c.Name = nfc(*name)
		checkName(ps, at.at("name"), c.Name)
	case given && !creating:
		ps.add(at.at("name"), Required, "Name cannot be cleared.")
	case creating && c.FirstName != nil && strings.TrimSpace(*c.FirstName) != "":
		c.Name = strings.TrimSpace(*c.FirstName + " " + deref(c.LastName))
		checkName(ps, at.at("firstName"), c.Name)
	case creating:
		ps.add(at.at("name"), Required, "Name is required unless firstName is given.")
	}
}

// setOptional copies an update field onto dst when it was given and
// reports whether it was.
func setOptional[T any](dst **T, field graphql.Omittable[*T]) bool {
	v, ok := field.ValueOK()
	if ok {
		*dst = v
	}
	return ok
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
