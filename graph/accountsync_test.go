package graph_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

const (
	upsertAccountDoc      = `mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { account { id externalId name domain tags metadata version } created action ` + userErrorFields + ` } }`
	bulkUpsertAccountsDoc = `mutation($inputs: [UpsertAccountInput!]!, $atomic: Boolean) { bulkUpsertAccounts(inputs: $inputs, atomic: $atomic) { results { index created account { id name } ` + userErrorFields + ` } } }`
)

// accountUpsert is the payload of upsertAccount.
type accountUpsert struct {
	Account *struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Domain   *string         `json:"domain"`
		Tags     []string        `json:"tags"`
		Metadata json.RawMessage `json:"metadata"`
		Version  int             `json:"version"`
	} `json:"account"`
	Created    bool                  `json:"created"`
	Action     *string               `json:"action"`
	UserErrors []graphtest.UserError `json:"userErrors"`
}

func decodeAccountUpsert(t *testing.T, resp *graphtest.Response) accountUpsert {
	t.Helper()
	var out struct{ UpsertAccount accountUpsert }
	if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &out) != nil {
		t.Fatalf("upsertAccount failed: %+v %s", resp.Errors, resp.Data)
	}
	return out.UpsertAccount
}

func TestUpsertAccount(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	first := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": map[string]any{"externalId": "acme", "name": "Acme", "domain": "acme.com"}}))
	if !first.Created || first.Account.Version != 1 {
		t.Fatalf("first upsert = %+v, want created", first)
	}
	second := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": map[string]any{"externalId": "acme", "tags": []string{"b2b"}}}))
	if second.Created || second.Account.ID != first.Account.ID || second.Account.Name != "Acme" || *second.Account.Domain != "acme.com" ||
		!slices.Equal(second.Account.Tags, []string{"b2b"}) || second.Account.Version != 2 {
		t.Errorf("second upsert = %+v, want the same account with its fields kept, tags set, version 2", second.Account)
	}
	missingName := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": map[string]any{"externalId": "new"}}))
	checkUserError(t, missingName.UserErrors, inputAt("name"), "REQUIRED")
	stale := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": map[string]any{"externalId": "acme", "name": "X", "expectedVersion": 1}}))
	checkUserError(t, stale.UserErrors, inputAt("expectedVersion"), "STALE")
}

func TestConcurrentAccountUpsertsLoseNoField(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	fields := []map[string]any{{"domain": "acme.com"}, {"tags": []string{"b2b"}}, {"metadata": map[string]any{"tier": 1}}, {"name": "Acme Inc"}}
	responses := c.upsertsAtOnce(upsertAccountDoc, map[string]any{"externalId": "acme", "name": "Acme Inc"}, fields)
	created, updated := 0, 0
	for _, resp := range responses {
		switch upsert := decodeAccountUpsert(t, resp); {
		case upsert.Created:
			created++
		case upsert.Action != nil && *upsert.Action == "UPDATED":
			updated++
		}
	}
	got := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": map[string]any{"externalId": "acme"}})).Account
	if created != 1 || got.Domain == nil || !slices.Equal(got.Tags, []string{"b2b"}) || string(got.Metadata) != `{"tier":1}` || got.Version != 1+updated {
		t.Errorf("%d creates; account %+v; want 1 create, every field set, version %d (one for each UPDATED)", created, got, 1+updated)
	}
}

func TestBulkUpsertAccounts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var out struct {
		BulkUpsertAccounts struct {
			Results []struct {
				Index      int
				Created    bool
				Account    *struct{ ID string }
				UserErrors []graphtest.UserError
			}
		}
	}
	inputs := []map[string]any{
		{"externalId": "a", "name": "A"},
		{"externalId": "b", "name": "B", "domain": "not a domain"},
		{"externalId": "a", "name": "A again"},
	}
	c.MustDo(bulkUpsertAccountsDoc, map[string]any{"inputs": inputs}, &out)
	results := out.BulkUpsertAccounts.Results
	if !results[0].Created || results[0].Account == nil {
		t.Errorf("result 0 = %+v, want created", results[0])
	}
	checkUserError(t, results[1].UserErrors, []string{"inputs", "1", "domain"}, "INVALID")
	checkUserError(t, results[2].UserErrors, []string{"inputs", "2", "externalId"}, "ALREADY_EXISTS")
	var list struct{ Accounts struct{ TotalCount int } }
	c.MustDo(`{ accounts { totalCount } }`, nil, &list)
	if list.Accounts.TotalCount != 1 {
		t.Errorf("workspace has %d accounts, want 1", list.Accounts.TotalCount)
	}
}

func TestUpdateAccountExpectedVersion(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := c.CreateAccount(map[string]any{"name": "Acme"})
	var out struct {
		UpdateAccount struct{ UserErrors []graphtest.UserError }
	}
	c.MustDo(`mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, input: $input) { `+userErrorFields+` } }`,
		map[string]any{"id": id, "input": map[string]any{"name": "Renamed", "expectedVersion": 3}}, &out)
	checkUserError(t, out.UpdateAccount.UserErrors, inputAt("expectedVersion"), "STALE")
}
