package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/graphtest"
)

const endpointFields = `id url eventTypes description enabled disabledReason failingSince`

// endpointData is a webhook endpoint as the tests decode it.
type endpointData struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	EventTypes     []string `json:"eventTypes"`
	Description    string   `json:"description"`
	Enabled        bool     `json:"enabled"`
	DisabledReason *string  `json:"disabledReason"`
}

// webhooksAdmin returns a client of a new workspace with webhooks:admin.
func webhooksAdmin(t *testing.T) *client {
	return newClientWith(t, graphtest.NewHandler(t), uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite+" "+auth.ScopeWebhooksAdmin)
}

func (c *client) createEndpoint(input map[string]any) (endpointData, string, []graphtest.UserError) {
	c.T.Helper()
	var out struct {
		CreateWebhookEndpoint struct {
			WebhookEndpoint *endpointData
			Secret          *string
			UserErrors      []graphtest.UserError
		}
	}
	c.MustDo(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
		webhookEndpoint { `+endpointFields+` } secret userErrors { field code message } } }`, map[string]any{"input": input}, &out)
	p := out.CreateWebhookEndpoint
	if p.WebhookEndpoint == nil {
		return endpointData{}, "", p.UserErrors
	}
	return *p.WebhookEndpoint, *p.Secret, p.UserErrors
}

func TestWebhookEndpointLifecycle(t *testing.T) {
	t.Parallel()
	c := webhooksAdmin(t)
	e, secret, errs := c.createEndpoint(map[string]any{"url": "https://hooks.example.com/contacts", "eventTypes": []string{"CONTACT_DELETED"}, "description": "CRM"})
	if len(errs) > 0 || !strings.HasPrefix(secret, "whsec_") || !e.Enabled || len(e.EventTypes) != 1 {
		t.Fatalf("create = %+v, secret %q, errors %+v; want an enabled endpoint and a whsec_ secret", e, secret, errs)
	}
	var list struct{ WebhookEndpoints []endpointData }
	c.MustDo(`{ webhookEndpoints { `+endpointFields+` } }`, nil, &list)
	if len(list.WebhookEndpoints) != 1 || list.WebhookEndpoints[0].ID != e.ID {
		t.Fatalf("webhookEndpoints = %+v, want the endpoint", list.WebhookEndpoints)
	}
	var updated struct {
		UpdateWebhookEndpoint struct{ WebhookEndpoint endpointData }
	}
	c.MustDo(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: false, eventTypes: []}) { webhookEndpoint { `+endpointFields+` } } }`,
		map[string]any{"id": e.ID}, &updated)
	if u := updated.UpdateWebhookEndpoint.WebhookEndpoint; u.Enabled || u.DisabledReason == nil || len(u.EventTypes) != 0 {
		t.Errorf("disabled endpoint = %+v, want disabled with a reason, all event types", u)
	}
	var rotated struct {
		RotateWebhookSecret struct{ Secret string }
	}
	c.MustDo(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, map[string]any{"id": e.ID}, &rotated)
	if s := rotated.RotateWebhookSecret.Secret; !strings.HasPrefix(s, "whsec_") || s == secret {
		t.Errorf("rotated secret %q, want a new whsec_ secret", s)
	}
	var deleted struct {
		DeleteWebhookEndpoint struct{ DeletedID *string }
	}
	c.MustDo(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedId } }`, map[string]any{"id": e.ID}, &deleted)
	if deleted.DeleteWebhookEndpoint.DeletedID == nil {
		t.Error("delete returned no id")
	}
}

func TestWebhookEndpointURLsAreChecked(t *testing.T) {
	t.Parallel()
	c := webhooksAdmin(t)
	for _, url := range []string{"http://hooks.example.com/", "https://10.0.0.1/hook", "https://169.254.169.254/", "not a url"} {
		if _, _, errs := c.createEndpoint(map[string]any{"url": url}); len(errs) != 1 || errs[0].Code != "INVALID" {
			t.Errorf("createWebhookEndpoint(%q) user errors %+v, want INVALID at url", url, errs)
		}
	}
}

func TestWebhooksNeedTheirScope(t *testing.T) {
	t.Parallel()
	c := newClient(t) // contacts:read and contacts:write
	for _, doc := range []string{
		`{ webhookEndpoints { id } }`,
		`{ webhookDeliveries(endpointId: "whep_01") { nodes { id } } }`,
		`mutation { createWebhookEndpoint(input: {url: "https://hooks.example.com/"}) { secret } }`,
		`mutation { redeliverWebhook(deliveryId: "whdl_01") { userErrors { code } } }`,
	} {
		if resp := c.Post(doc, nil); resp.Code() != "FORBIDDEN" {
			t.Errorf("%s without webhooks:admin: code %q, want FORBIDDEN", doc, resp.Code())
		}
	}
}

func TestWebhooksOfAnotherWorkspaceAreInvisible(t *testing.T) {
	t.Parallel()
	c := webhooksAdmin(t)
	e, _, _ := c.createEndpoint(map[string]any{"url": "https://hooks.example.com/"})
	other := newClientWith(t, c.Handler, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite+" "+auth.ScopeWebhooksAdmin)
	var list struct{ WebhookEndpoints []endpointData }
	other.MustDo(`{ webhookEndpoints { id } }`, nil, &list)
	if len(list.WebhookEndpoints) != 0 {
		t.Errorf("another workspace lists %+v", list.WebhookEndpoints)
	}
	for _, doc := range []string{
		`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: false}) { userErrors { code } } }`,
		`mutation($id: ID!) { rotateWebhookSecret(id: $id) { userErrors { code } } }`,
		`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { userErrors { code } } }`,
	} {
		resp := other.Post(doc, map[string]any{"id": e.ID})
		if !strings.Contains(string(resp.Data), `"code":"NOT_FOUND"`) {
			t.Errorf("%s on another workspace's endpoint = %s, want NOT_FOUND", doc, resp.Data)
		}
	}
	// A change writes a delivery to the endpoint, which its workspace
	// alone lists and redelivers.
	c.MustDo(`mutation { createPortalRole(input: {slug: "partner", name: "Partner"}) { portalRole { id } } }`, nil, nil)
	deliveriesOf := func(c *client) []struct{ ID, EventType, Status string } {
		var out struct {
			WebhookDeliveries struct {
				Nodes []struct{ ID, EventType, Status string }
			}
		}
		c.MustDo(`query($id: ID!) { webhookDeliveries(endpointId: $id) { nodes { id eventType status } } }`, map[string]any{"id": e.ID}, &out)
		return out.WebhookDeliveries.Nodes
	}
	mine := deliveriesOf(c)
	if len(mine) != 1 || mine[0].EventType != "PORTAL_ROLE_CREATED" || mine[0].Status != "PENDING" {
		t.Fatalf("the endpoint's deliveries = %+v, want the new role's, pending", mine)
	}
	if theirs := deliveriesOf(other); len(theirs) != 0 {
		t.Errorf("another workspace lists deliveries %+v", theirs)
	}
	resp := other.Post(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { userErrors { code } } }`, map[string]any{"id": mine[0].ID})
	if !strings.Contains(string(resp.Data), `"code":"NOT_FOUND"`) {
		t.Errorf("redeliverWebhook of another workspace's delivery = %s, want NOT_FOUND", resp.Data)
	}
}

// TestWebhookSecretsAreNotReplayed: a webhook's signing secret is stored,
// since the server signs with it (an HMAC key has no public half), so it
// is not among TestNoSecretIsKept's secrets; like every @secret field it
// is null in the replay of a response kept for an Idempotency-Key.
func TestWebhookSecretsAreNotReplayed(t *testing.T) {
	t.Parallel()
	c := webhooksAdmin(t)
	const query = `mutation { createWebhookEndpoint(input: {url: "https://hooks.example.com/"}) { webhookEndpoint { id } secret } }`
	first := c.SendWithKey("webhook", query, nil)
	replay := c.SendWithKey("webhook", query, nil)
	var out struct {
		CreateWebhookEndpoint struct{ Secret string }
	}
	if err := json.Unmarshal(first.Data, &out); err != nil || out.CreateWebhookEndpoint.Secret == "" {
		t.Fatalf("createWebhookEndpoint: %s", first.Body)
	}
	checkReplayWithholds(t, "createWebhookEndpoint", first, replay, map[string]string{"createWebhookEndpoint.secret": out.CreateWebhookEndpoint.Secret})
}
