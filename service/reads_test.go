package service_test

import (
	"slices"
	"testing"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

func TestAccountsOfContacts(t *testing.T) {
	loaded := map[string]*db.Account{"a": {Key: db.Key{ID: "a"}}, "b": {Key: db.Key{ID: "b"}}, "c": {Key: db.Key{ID: "c"}}}
	tests := []struct {
		name        string
		primary     *string
		memberships []string
		want        []string
	}{
		{"the primary account first, the others as joined", ptr("c"), []string{"a", "b", "c"}, []string{"c", "a", "b"}},
		{"no primary account: as joined", nil, []string{"b", "a"}, []string{"b", "a"}},
		{"a primary account it is not a member of is left out", ptr("c"), []string{"a"}, []string{"a"}},
		{"an account not loaded is left out", ptr("gone"), []string{"gone", "a"}, []string{"a"}},
	}
	// All at once, as a page's contacts: each list holds its own.
	contacts := make([]*db.Contact, len(tests))
	memberships := make([][]string, len(tests))
	for i, tt := range tests {
		contacts[i], memberships[i] = &db.Contact{AccountID: tt.primary}, tt.memberships
	}
	for i, accounts := range service.AccountsOfContacts(contacts, memberships, loaded) {
		got := []string{}
		for _, a := range accounts {
			got = append(got, a.ID)
		}
		if tt := tests[i]; !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func ptr(s string) *string { return &s }
