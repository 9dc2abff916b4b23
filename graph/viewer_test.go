package graph_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// viewerDoc asks who the caller is.
const viewerDoc = `{"query":"{ viewer { workspaceId credentialKind credentialId scopes } }"}`

// viewerData is the viewer as the tests decode it.
type viewerData struct {
	WorkspaceID    string   `json:"workspaceId"`
	CredentialKind string   `json:"credentialKind"`
	CredentialID   string   `json:"credentialId"`
	Scopes         []string `json:"scopes"`
}

// TestViewer asks each kind of credential, sent each way, who it is: each
// learns its own workspace, kind, id and scopes, and needs no scope to ask.
func TestViewer(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	admin := newClientWith(t, h, uuid.New(), graphtest.AllScopes)
	other := newClientWith(t, h, uuid.New(), auth.ScopeRead)
	keysOnly := newClientWith(t, h, admin.Workspace, auth.ScopeKeysAdmin)
	key, secret := admin.CreateAPIKey("CRM sync", auth.ScopeWrite, auth.ScopeRead)
	tests := []struct {
		name          string
		authorization string
		apiKey        string
		want          viewerData
	}{
		{"a token with every scope", "Bearer " + admin.Token, "",
			viewerData{admin.Workspace.String(), "TOKEN", "test", slices.Sorted(slices.Values(auth.Scopes))}},
		{"a read-only token of another workspace", "Bearer " + other.Token, "",
			viewerData{other.Workspace.String(), "TOKEN", "test", []string{auth.ScopeRead}}},
		{"a token without contacts:read", "Bearer " + keysOnly.Token, "",
			viewerData{admin.Workspace.String(), "TOKEN", "test", []string{auth.ScopeKeysAdmin}}},
		{"an API key as a bearer token", "Bearer " + secret, "",
			viewerData{admin.Workspace.String(), "API_KEY", key.ID, []string{auth.ScopeRead, auth.ScopeWrite}}},
		{"an API key in X-API-Key", "", secret,
			viewerData{admin.Workspace.String(), "API_KEY", key.ID, []string{auth.ScopeRead, auth.ScopeWrite}}},
	}
	for _, tt := range tests {
		req := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", viewerDoc, "", "")
		if tt.authorization != "" {
			req.Header.Set("Authorization", tt.authorization)
		}
		if tt.apiKey != "" {
			req.Header.Set("X-API-Key", tt.apiKey)
		}
		rec := graphtest.RecordRequest(h, req)
		resp := graphtest.DecodeResponse(t, rec)
		var got struct {
			Viewer *viewerData `json:"viewer"`
		}
		if rec.Code != http.StatusOK || len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &got) != nil || got.Viewer == nil {
			t.Errorf("%s: status %d, body %s; want the viewer", tt.name, rec.Code, rec.Body)
			continue
		}
		if g := *got.Viewer; g.WorkspaceID != tt.want.WorkspaceID || g.CredentialKind != tt.want.CredentialKind ||
			g.CredentialID != tt.want.CredentialID || !slices.Equal(g.Scopes, tt.want.Scopes) {
			t.Errorf("%s: viewer %+v; want %+v", tt.name, g, tt.want)
		}
	}
}

// TestViewerNeedsACredential refuses the viewer to a request without a
// valid credential, as every other field.
func TestViewerNeedsACredential(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	for name, token := range map[string]string{"no credential": "", "a forged token": "x.y.z"} {
		rec := graphtest.RecordRequest(h, graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", viewerDoc, token, ""))
		if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "workspaceId") {
			t.Errorf("%s: status %d, body %s; want 401 and no viewer", name, rec.Code, rec.Body)
		}
	}
}
