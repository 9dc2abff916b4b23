package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// signTestToken signs claims with HS256 and secret.
func signTestToken(t *testing.T, secret []byte, claims jwt.Claims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return token
}

// noneToken returns an unsigned token (alg none) of claims.
func noneToken(t *testing.T, claims jwt.Claims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestUnauthenticatedRequests(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	ws := uuid.New()
	now := time.Now()
	claims := func(exp *jwt.NumericDate) auth.Claims {
		return auth.Claims{
			WorkspaceID: ws.String(),
			Scope:       auth.ScopeRead + " " + auth.ScopeWrite,
			RegisteredClaims: jwt.RegisteredClaims{
				Subject: "test", IssuedAt: jwt.NewNumericDate(now.Add(-2 * time.Hour)), ExpiresAt: exp,
			},
		}
	}
	inAnHour := jwt.NewNumericDate(now.Add(time.Hour))
	valid := signTestToken(t, graphtest.Secret, claims(inAnHour))

	tests := []struct {
		name          string
		authorization string
	}{
		{"no Authorization header", ""},
		{"Bearer with an empty token", "Bearer "},
		{"Bearer with a blank token", "Bearer    "},
		{"Basic credentials", "Basic xyz"},
		{"token without a scheme", valid},
		{"malformed token", "Bearer abc.def"},
		{"bad signature", "Bearer " + signTestToken(t, []byte("not-the-test-secret-0123456789abcdef"), claims(inAnHour))},
		{"expired", "Bearer " + signTestToken(t, graphtest.Secret, claims(jwt.NewNumericDate(now.Add(-time.Hour))))},
		{"no exp", "Bearer " + signTestToken(t, graphtest.Secret, claims(nil))},
		{"alg none", "Bearer " + noneToken(t, claims(inAnHour))},
		{"non-UUID workspace", "Bearer " + signTestToken(t, graphtest.Secret, auth.Claims{WorkspaceID: "acme", RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: inAnHour}})},
		{"1 MB of garbage after Bearer", "Bearer " + strings.Repeat("garbage.", 1<<17)},
		{"1 MB of garbage that looks like an API key", "Bearer ck_" + strings.Repeat("x", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, "", "")
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			rec := graphtest.RecordRequest(h, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d; want 401\n%s", rec.Code, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q; want a Bearer challenge", got)
			}
			graphtest.CheckUnauthenticatedBody(t, rec.Body.Bytes())
		})
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	const (
		query    = `{ contacts { totalCount } }`
		mutation = `mutation { createAccount(input: {name: "Acme"}) { account { id } userErrors { code } } }`
	)
	tests := []struct {
		name     string
		scope    string
		document string
		wantCode string
	}{
		{"no scopes cannot read", "", query, "FORBIDDEN"},
		{"no scopes cannot write", "", mutation, "FORBIDDEN"},
		{"an unknown scope cannot read", "profile:read", query, "FORBIDDEN"},
		{"read can read", auth.ScopeRead, query, ""},
		{"read cannot write", auth.ScopeRead, mutation, "FORBIDDEN"},
		{"write can read", auth.ScopeWrite, query, ""},
		{"write can write", auth.ScopeWrite, mutation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := graphtest.NewClientWith(t, h, uuid.New(), tt.scope)
			resp := c.Post(tt.document, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("status = %d; want 200 (errors %+v)", resp.Status, resp.Errors)
			}
			if got := resp.Code(); got != tt.wantCode {
				t.Fatalf("scope %q: error code = %q; want %q (errors %+v)", tt.scope, got, tt.wantCode, resp.Errors)
			}
			if tt.wantCode != "" && graphtest.HasData(resp) {
				t.Fatalf("a refused operation returned data %s; want none", resp.Data)
			}
		})
	}
}

func TestReadOnlyTokenWritesNothing(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	ws := uuid.New()
	reader := graphtest.NewClientWith(t, h, ws, auth.ScopeRead)

	var before struct{ Contacts struct{ TotalCount int } }
	reader.MustDo(`{ contacts { totalCount } }`, nil, &before)

	resp := reader.Post(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { code } } }`,
		map[string]any{"input": map[string]any{"name": "Ada Lovelace", "email": "ada@example.com"}})
	if got := resp.Code(); got != "FORBIDDEN" {
		t.Fatalf("createContact with a read-only token: code = %q; want FORBIDDEN (status %d, errors %+v, data %s)",
			got, resp.Status, resp.Errors, resp.Data)
	}
	if resp.Statements != 0 {
		t.Errorf("the refused mutation ran %d SQL statements; want 0", resp.Statements)
	}

	writer := graphtest.NewClientWith(t, h, ws, auth.ScopeRead+" "+auth.ScopeWrite)
	var after struct {
		Contacts struct {
			TotalCount int
			Nodes      []struct{ ID string }
		}
	}
	writer.MustDo(`{ contacts { totalCount nodes { id } } }`, nil, &after)
	if after.Contacts.TotalCount != 0 || len(after.Contacts.Nodes) != 0 {
		t.Fatalf("after a refused createContact the workspace has %d contacts %v; want none",
			after.Contacts.TotalCount, after.Contacts.Nodes)
	}
}

// provisionedRole is a portal role as the provisioning tests decode it.
type provisionedRole struct {
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	BuiltIn   bool   `json:"builtIn"`
	IsDefault bool   `json:"isDefault"`
}

// provisioningQuery reads what provisioning gives a new workspace.
const provisioningQuery = `{ portalRoles { slug name builtIn isDefault } portalSettings { defaultPortalRole { slug } } }`

// provisionedRoles is the data of provisioningQuery.
type provisionedRoles struct {
	PortalRoles    []provisionedRole `json:"portalRoles"`
	PortalSettings struct {
		DefaultPortalRole struct {
			Slug string `json:"slug"`
		} `json:"defaultPortalRole"`
	} `json:"portalSettings"`
}

// checkProvisionedRoles checks that got holds exactly the built-in portal
// roles, with member the default.
func checkProvisionedRoles(t *testing.T, got provisionedRoles) {
	t.Helper()
	want := []struct {
		slug      string
		isDefault bool
	}{{"no_access", false}, {"member", true}, {"admin", false}}
	if len(got.PortalRoles) != len(want) {
		t.Fatalf("portalRoles = %+v; want exactly no_access, member, admin", got.PortalRoles)
	}
	for i, w := range want {
		r := got.PortalRoles[i]
		if r.Slug != w.slug || !r.BuiltIn || r.IsDefault != w.isDefault || r.Name == "" {
			t.Errorf("portalRoles[%d] = %+v; want slug %s, builtIn, isDefault %v, a name", i, r, w.slug, w.isDefault)
		}
	}
	if got.PortalSettings.DefaultPortalRole.Slug != "member" {
		t.Errorf("portalSettings.defaultPortalRole.slug = %q; want member", got.PortalSettings.DefaultPortalRole.Slug)
	}
}

func TestNewWorkspaceIsProvisioned(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	var out provisionedRoles
	c.MustDo(provisioningQuery, nil, &out)
	checkProvisionedRoles(t, out)
}

func TestConcurrentFirstRequestsProvisionOnce(t *testing.T) {
	t.Parallel()
	// Two handlers act as two replicas of the service: each has its own
	// memory of provisioned workspaces, so only the database can keep
	// them from provisioning the workspace twice.
	replicas := []http.Handler{graphtest.NewHandler(t), graphtest.NewHandler(t)}
	ws := uuid.New()
	c := graphtest.NewClientWith(t, replicas[0], ws, auth.ScopeRead+" "+auth.ScopeWrite)

	const requests = 8
	recs := make([]*httptest.ResponseRecorder, requests)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range recs {
		body, _ := json.Marshal(map[string]string{"query": provisioningQuery})
		req := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", string(body), c.Token, "")
		wg.Go(func() {
			<-start
			recs[i] = graphtest.RecordRequest(replicas[i%len(replicas)], req)
		})
	}
	close(start)
	wg.Wait()

	for i, rec := range recs {
		var resp struct {
			Data   provisionedRoles     `json:"data"`
			Errors []graphtest.GQLError `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || rec.Code != http.StatusOK || len(resp.Errors) > 0 {
			t.Fatalf("concurrent first request %d: status %d, body %s; want 200 with data", i, rec.Code, rec.Body)
		}
		checkProvisionedRoles(t, resp.Data)
	}

	var out provisionedRoles
	c.MustDo(provisioningQuery, nil, &out)
	checkProvisionedRoles(t, out)
}
