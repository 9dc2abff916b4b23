package graph_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScratchNickname(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var out struct {
		CreateContact struct {
			Contact    struct{ ID, Nickname string }
			UserErrors []json.RawMessage
		}
	}
	c.MustDo(`mutation { createContact(input: {name: "Ada", externalId: "n-1", nickname: "Addie"}) { contact { id nickname } userErrors { field code } } }`, nil, &out)
	if out.CreateContact.Contact.Nickname != "Addie" {
		t.Fatalf("create: %+v", out)
	}
	id := out.CreateContact.Contact.ID
	var upd struct{ UpdateContact struct{ Contact struct{ Nickname *string } } }
	c.MustDo(`mutation($id: ID!) { updateContact(id: $id, input: {nickname: "Ad"}) { contact { nickname } } }`, map[string]any{"id": id}, &upd)
	if upd.UpdateContact.Contact.Nickname == nil || *upd.UpdateContact.Contact.Nickname != "Ad" {
		t.Fatalf("update: %+v", upd)
	}
	var ups struct{ UpsertContact struct{ Action string } }
	c.MustDo(`mutation { upsertContact(input: {externalId: "n-1", name: "Ada", nickname: "Ad"}) { action } }`, nil, &ups)
	if ups.UpsertContact.Action != "UNCHANGED" {
		t.Errorf("upsert same: %+v", ups)
	}
	c.MustDo(`mutation { upsertContact(input: {externalId: "n-1", name: "Ada", nickname: "Adda"}) { action } }`, nil, &ups)
	if ups.UpsertContact.Action != "UPDATED" {
		t.Errorf("upsert changed: %+v", ups)
	}
	var list struct{ Contacts struct{ Nodes []struct{ Nickname string } } }
	c.MustDo(`{ contacts(first: 10) { nodes { nickname } } }`, nil, &list)
	if len(list.Contacts.Nodes) != 1 || list.Contacts.Nodes[0].Nickname != "Adda" {
		t.Errorf("list: %+v", list)
	}
	var long struct {
		CreateContact struct {
			UserErrors []struct {
				Field []string
				Code  string
			}
		}
	}
	c.MustDo(`mutation($n: String) { createContact(input: {name: "B", nickname: $n}) { userErrors { field code } } }`, map[string]any{"n": strings.Repeat("x", 64)}, &long)
	if len(long.CreateContact.UserErrors) != 1 || long.CreateContact.UserErrors[0].Code != "TOO_LONG" || strings.Join(long.CreateContact.UserErrors[0].Field, ".") != "input.nickname" {
		t.Errorf("too long: %+v", long)
	}
}
