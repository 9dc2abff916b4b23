package graph_test

import (
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

func TestCreateAndReadContact(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	created := c.CreateContact(map[string]any{
		"firstName": "Ada", "lastName": "Lovelace", "accountId": account,
		"phones": []map[string]any{{"number": "+14155550123", "type": "MOBILE"}},
	})
	if created.Name != "Ada Lovelace" || created.Account == nil || created.Account.ID != account || len(created.Phones) != 1 {
		t.Fatalf("created contact = %+v", created)
	}
	var out struct{ Contact graphtest.ContactData }
	c.MustDo(`query($id: ID) { contact(id: $id) { `+graphtest.ContactFields+` } }`, map[string]any{"id": created.ID}, &out)
	if out.Contact.ID != created.ID || out.Contact.PortalRole.Slug != "member" || out.Contact.Version != 1 {
		t.Fatalf("contact(id) = %+v", out.Contact)
	}
}
