package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// maxAccountsPerContact bounds accountIds.
const maxAccountsPerContact = 100

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
}

// PhoneInput is a phone number to add.
type PhoneInput struct {
	Number string
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
	PortalRole        graphql.Omittable[*string]
	PortalRoleID      graphql.Omittable[*string]
	Phones            []PhoneChange
}

// PhoneChange adds a phone (no ID), changes one (ID) or removes one (ID and
// Destroy).
type PhoneChange struct {
	ID      *string
	Number  *string
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
		phones[i] = PhoneChange{Number: &p.Number, Type: given(p.Type)}
	}
	return UpdateContactInput{
		ExternalID: given(in.ExternalID), Name: given(in.Name),
		FirstName: given(in.FirstName), LastName: given(in.LastName),
		Email: given(in.Email), AvatarURL: given(in.AvatarURL), Description: given(in.Description),
		Tags: givenList(in.Tags), Metadata: givenList(in.Metadata),
		AccountID: given(in.AccountID), AccountExternalID: given(in.AccountExternalID),
		AccountIDs: givenList(in.AccountIDs),
		PortalRole: given(in.PortalRole), PortalRoleID: given(in.PortalRoleID),
		Phones: phones,
	}
}

var inputPath = path{"input"}

// CreateContact creates a contact with its memberships and phones.
func (s *Service) CreateContact(ctx context.Context, in CreateContactInput) (*db.Contact, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.Contact, error) {
		contact := &db.Contact{WorkspaceID: ws, ID: db.NewID(db.ContactPrefix), Version: 1, Tags: []string{}, Metadata: emptyObject}
		return contact, writeContact(ctx, tx, contact, nil, in.asUpdate(), ps)
	})
}

// UpdateContact changes a contact, its memberships and phones.
func (s *Service) UpdateContact(ctx context.Context, id string, in UpdateContactInput) (*db.Contact, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.Contact, error) {
		contact, err := lockContact(ctx, tx, ws, id)
		if err != nil || contact == nil {
			ps.add(path{"id"}, NotFound, "No contact has this id.")
			return nil, err
		}
		phones, err := tx.PhonesOfContacts(ctx, ws, []string{id})
		if err != nil {
			return nil, err
		}
		return contact, writeContact(ctx, tx, contact, phones, in, ps)
	})
}

// DeleteContact deletes a contact with its phones and memberships.
func (s *Service) DeleteContact(ctx context.Context, id string) (string, []*UserError, error) {
	return deleteByID(ctx, s, id, db.ContactPrefix, (*db.Store).DeleteContact)
}

// lockContact returns the contact locked for update, or nil when the
// workspace has none with this id.
func lockContact(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (*db.Contact, error) {
	if !db.HasPrefix(id, db.ContactPrefix) {
		return nil, nil
	}
	c, err := tx.ContactForUpdate(ctx, ws, id)
	if db.IsNoRows(err) {
		return nil, nil
	}
	return c, err
}

// writeContact applies in to contact (new when phones is nil and its
// Version is 1 with no CreatedAt) and writes it with its memberships and
// phones. Problems are reported in ps; nothing is written when there are any.
func writeContact(ctx context.Context, tx *db.Store, contact *db.Contact, phones []*db.Phone, in UpdateContactInput, ps *problems) error {
	creating := contact.CreatedAt.IsZero()
	applyContactFields(contact, in, creating, ps)
	plan := planPhones(contact, phones, in.Phones, ps)
	if len(*ps) > 0 {
		return nil
	}
	members, err := resolveContactAccounts(ctx, tx, contact, in, ps)
	if err != nil {
		return err
	}
	if err := resolveContactPortalRole(ctx, tx, contact, in, creating, ps); err != nil || len(*ps) > 0 {
		return err
	}
	if err := saveContact(ctx, tx, contact, creating, ps); err != nil || len(*ps) > 0 {
		return err
	}
	if err := saveMemberships(ctx, tx, contact, in, members); err != nil {
		return err
	}
	return plan.save(ctx, tx, ps)
}

// applyContactFields validates the plain fields of in and copies them onto c.
func applyContactFields(c *db.Contact, in UpdateContactInput, creating bool, ps *problems) {
	if v, ok := in.ExternalID.ValueOK(); ok {
		if v != nil {
			checkExternalID(ps, inputPath.at("externalId"), *v)
		}
		c.ExternalID = v
	}
	setOptional(&c.FirstName, in.FirstName)
	setOptional(&c.LastName, in.LastName)
	applyContactName(c, in, creating, ps)
	if setOptional(&c.Email, in.Email) && c.Email != nil {
		checkEmail(ps, inputPath.at("email"), *c.Email)
	}
	if setOptional(&c.AvatarURL, in.AvatarURL) && c.AvatarURL != nil {
		checkAvatarURL(ps, inputPath.at("avatarUrl"), *c.AvatarURL)
	}
	if setOptional(&c.Description, in.Description) && c.Description != nil {
		checkDescription(ps, inputPath.at("description"), *c.Description)
	}
	if tags, ok := in.Tags.ValueOK(); ok {
		c.Tags = normalizeTags(ps, inputPath.at("tags"), tags)
	}
	if metadata, ok := in.Metadata.ValueOK(); ok {
		c.Metadata = normalizeMetadata(ps, inputPath.at("metadata"), metadata)
	}
	if in.AccountID.Value() != nil && in.AccountExternalID.Value() != nil {
		ps.add(inputPath.at("accountExternalId"), MutuallyExclusive, "Give accountId or accountExternalId, not both.")
	}
	if ids := in.AccountIDs.Value(); len(ids) > maxAccountsPerContact {
		ps.add(inputPath.at("accountIds"), LimitExceeded, "A contact may belong to at most %d accounts.", maxAccountsPerContact)
	}
}

// applyContactName sets the name; on create it defaults to the first and
// last names.
func applyContactName(c *db.Contact, in UpdateContactInput, creating bool, ps *problems) {
	name, given := in.Name.ValueOK()
	switch {
	case given && name != nil:
		c.Name = *name
		checkName(ps, inputPath.at("name"), *name)
	case given && !creating:
		ps.add(inputPath.at("name"), Required, "Name cannot be cleared.")
	case creating && c.FirstName != nil && strings.TrimSpace(*c.FirstName) != "":
		c.Name = strings.TrimSpace(*c.FirstName + " " + deref(c.LastName))
		checkName(ps, inputPath.at("firstName"), c.Name)
	case creating:
		ps.add(inputPath.at("name"), Required, "Name is required unless firstName is given.")
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

// resolveContactAccounts checks that the accounts in named exist and sets
// the primary account. It returns the full membership when accountIds was
// given, else nil.
func resolveContactAccounts(ctx context.Context, tx *db.Store, c *db.Contact, in UpdateContactInput, ps *problems) ([]string, error) {
	ws := c.WorkspaceID
	if v, ok := in.AccountID.ValueOK(); ok {
		c.AccountID = nil
		if v != nil {
			found, err := existingAccounts(ctx, tx, ws, []string{*v})
			if err != nil {
				return nil, err
			}
			if !found[*v] {
				ps.add(inputPath.at("accountId"), NotFound, "No account has this id.")
			}
			c.AccountID = v
		}
	}
	if v := in.AccountExternalID.Value(); v != nil {
		accounts, err := tx.AccountsByExternalIDs(ctx, ws, []string{*v})
		if err != nil {
			return nil, err
		}
		if len(accounts) == 0 {
			ps.add(inputPath.at("accountExternalId"), NotFound, "No account has this external id.")
		} else {
			c.AccountID = &accounts[0].ID
		}
	}
	ids, ok := in.AccountIDs.ValueOK()
	if !ok {
		return nil, nil
	}
	members := dedupe(ids)
	found, err := existingAccounts(ctx, tx, ws, members)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if !found[id] {
			ps.add(inputPath.at("accountIds", i), NotFound, "No account has this id.")
		}
	}
	return members, nil
}

// existingAccounts reports which of ids are accounts of the workspace.
func existingAccounts(ctx context.Context, tx *db.Store, ws uuid.UUID, ids []string) (map[string]bool, error) {
	wellFormed := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !db.HasPrefix(id, db.AccountPrefix) })
	found := make(map[string]bool, len(ids))
	if len(wellFormed) == 0 {
		return found, nil
	}
	accounts, err := tx.AccountsByIDs(ctx, ws, wellFormed)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		found[a.ID] = true
	}
	return found, nil
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// resolveContactPortalRole sets the contact's portal role: portalRoleId wins
// over portalRole; neither (or null) means the workspace's default.
func resolveContactPortalRole(ctx context.Context, tx *db.Store, c *db.Contact, in UpdateContactInput, creating bool, ps *problems) error {
	byID, idGiven := in.PortalRoleID.ValueOK()
	bySlug, slugGiven := in.PortalRole.ValueOK()
	var role *db.PortalRole
	var err error
	switch {
	case byID != nil:
		role, err = portalRoleByID(ctx, tx, c.WorkspaceID, *byID)
		if err == nil && role == nil {
			ps.add(inputPath.at("portalRoleId"), NotFound, "No portal role has this id.")
		}
	case bySlug != nil:
		role, err = tx.PortalRoleBySlug(ctx, c.WorkspaceID, *bySlug)
		if err == nil && role == nil {
			ps.add(inputPath.at("portalRole"), NotFound, "No portal role has this slug.")
		}
	case creating || idGiven || slugGiven:
		role, err = tx.DefaultPortalRole(ctx, c.WorkspaceID)
	default:
		return nil
	}
	if role != nil {
		c.PortalRoleID = role.ID
	}
	return err
}

// portalRoleByID returns the workspace's portal role with id, or nil.
func portalRoleByID(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (*db.PortalRole, error) {
	if !db.HasPrefix(id, db.PortalRolePrefix) {
		return nil, nil
	}
	roles, err := tx.PortalRolesByIDs(ctx, ws, []string{id})
	if err != nil || len(roles) == 0 {
		return nil, err
	}
	return roles[0], nil
}

// saveContact inserts or updates the contact row; a taken external id is
// a user error.
func saveContact(ctx context.Context, tx *db.Store, c *db.Contact, creating bool, ps *problems) error {
	var err error
	if creating {
		err = tx.InsertContact(ctx, c)
	} else {
		err = tx.UpdateContact(ctx, c)
	}
	if db.UniqueViolation(err) == db.ContactExternalIDKey {
		ps.add(inputPath.at("externalId"), AlreadyExists, "Another contact has this external id.")
		return errRejected
	}
	return err
}

// saveMemberships keeps the contact's primary account among its accounts.
func saveMemberships(ctx context.Context, tx *db.Store, c *db.Contact, in UpdateContactInput, members []string) error {
	if members != nil {
		if c.AccountID != nil && !slices.Contains(members, *c.AccountID) {
			members = append(members, *c.AccountID)
		}
		return tx.SetMemberships(ctx, c.WorkspaceID, c.ID, members)
	}
	if c.AccountID != nil && (in.AccountID.IsSet() || in.AccountExternalID.IsSet()) {
		return tx.AddMemberships(ctx, c.WorkspaceID, c.ID, []string{*c.AccountID})
	}
	return nil
}
