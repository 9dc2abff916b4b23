package graph

import (
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/model"
	"github.com/contacts-api/contacts/service"
)

// contactPayload is the payload of a mutation of one contact.
func contactPayload(contact *db.Contact, userErrors []*service.UserError, err error) (*model.ContactPayload, error) {
	return &model.ContactPayload{Contact: contact, UserErrors: userErrors}, err
}

// accountPayload is the payload of a mutation of one account.
func accountPayload(account *db.Account, userErrors []*service.UserError, err error) (*model.AccountPayload, error) {
	return &model.AccountPayload{Account: account, UserErrors: userErrors}, err
}

// portalRolePayload is the payload of a mutation of one portal role.
func portalRolePayload(role *db.PortalRole, userErrors []*service.UserError, err error) (*model.PortalRolePayload, error) {
	return &model.PortalRolePayload{PortalRole: role, UserErrors: userErrors}, err
}

// customFieldPayload is the payload of a mutation of one custom field.
func customFieldPayload(field *db.CustomFieldDefinition, userErrors []*service.UserError, err error) (*model.CustomFieldPayload, error) {
	return &model.CustomFieldPayload{CustomField: field, UserErrors: userErrors}, err
}

// deletePayload turns the result of a deletion into its payload.
func deletePayload(id string, userErrors []*service.UserError, err error) (*model.DeletePayload, error) {
	if err != nil || userErrors != nil {
		return &model.DeletePayload{UserErrors: userErrors}, err
	}
	return &model.DeletePayload{DeletedID: &id, UserErrors: []*service.UserError{}}, nil
}

// upsertContactPayload turns the result of an upsert of one contact into
// its payload.
func upsertContactPayload(result *service.UpsertContactResult, err error) (*model.UpsertContactPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.UpsertContactPayload{Contact: result.Contact, Created: result.Created(), Action: result.Action, UserErrors: result.UserErrors}, nil
}

// writtenContacts returns the contacts a bulk upsert wrote.
func writtenContacts(results []*service.UpsertContactResult) []*db.Contact {
	var contacts []*db.Contact
	for _, r := range results {
		if r.Contact != nil {
			contacts = append(contacts, r.Contact)
		}
	}
	return contacts
}

// createAPIKeyPayload turns the result of createApiKey into its payload.
func createAPIKeyPayload(created *service.NewAPIKey, userErrors []*service.UserError) *model.CreateAPIKeyPayload {
	payload := &model.CreateAPIKeyPayload{UserErrors: userErrors}
	if created != nil {
		payload.APIKey, payload.Secret = created.Key, &created.Secret
	}
	return payload
}
