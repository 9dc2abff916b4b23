package service

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/contacts-api/contacts/db"
)

// AddContactToAccount makes the contact a member of the account.
func (s *Service) AddContactToAccount(ctx context.Context, contactID, accountID string) (*db.Contact, []*UserError, error) {
	return s.changeMembership(ctx, contactID, UpdateContactInput{AddAccountIDs: []string{accountID}})
}

// RemoveContactFromAccount ends the contact's membership of the account;
// when it was the contact's primary account, the primary is cleared.
func (s *Service) RemoveContactFromAccount(ctx context.Context, contactID, accountID string) (*db.Contact, []*UserError, error) {
	return s.changeMembership(ctx, contactID, UpdateContactInput{RemoveAccountIDs: []string{accountID}})
}

// MoveContactToAccount makes the account the contact's primary account;
// the contact leaves its previous primary account unless keepPrevious.
func (s *Service) MoveContactToAccount(ctx context.Context, contactID, accountID string, keepPrevious bool) (*db.Contact, []*UserError, error) {
	return s.changeMembership(ctx, contactID, UpdateContactInput{AccountID: graphql.OmittableOf(&accountID), KeepPreviousAccount: &keepPrevious})
}

// changeMembership updates the contact with in, a change of its accounts
// only, and reports problems at the mutation's own arguments: contactId
// for the contact, accountId for the account.
func (s *Service) changeMembership(ctx context.Context, contactID string, in UpdateContactInput) (*db.Contact, []*UserError, error) {
	contact, ps, err := s.UpdateContact(ctx, contactID, in)
	for _, p := range ps {
		if len(p.Field) == 1 && p.Field[0] == "id" {
			p.Field = []string{"contactId"}
		} else {
			p.Field = []string{"accountId"}
		}
	}
	return contact, ps, err
}
