package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/service"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testSecret signs the tests' HS256 tokens.
var testSecret = []byte("test-secret-0123456789abcdef0123456789abcdef")

// newHandler returns the service's HTTP handler on the test database,
// configured as the server's defaults configure it.
func newHandler(t testing.TB) http.Handler {
	return newHandlerWith(t, graph.Options{Playground: true})
}

// newService returns a service on the test database, closed when the test
// ends so that its background writes do not outlive it.
func newService(t testing.TB) *service.Service {
	t.Helper()
	svc := service.New(db.NewStore(dbtest.APIDB(t)))
	t.Cleanup(svc.Close)
	return svc
}

// servicesEachWay returns, by name, a service under row-level security and
// one without it (ROW_LEVEL_SECURITY=off), on a role that bypasses it,
// where the application's workspace filters are the only wall.
func servicesEachWay(t testing.TB) map[string]*service.Service {
	t.Helper()
	filtersAlone := service.New(db.NewStore(dbtest.DB(t)).WithoutRowSecurity())
	t.Cleanup(filtersAlone.Close)
	return map[string]*service.Service{"row-level security": newService(t), "workspace filters alone": filtersAlone}
}

// newHandlerOf returns the HTTP handler of svc.
func newHandlerOf(t testing.TB, svc *service.Service) http.Handler {
	return newHandlerWith(t, graph.Options{Playground: true, Service: svc})
}

// newHandlerWith returns the handler with opts, on the test database (or
// opts.Service) and verifying the tests' tokens.
func newHandlerWith(t testing.TB, opts graph.Options) http.Handler {
	t.Helper()
	verifier, err := auth.NewVerifier(auth.Config{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Service == nil {
		opts.Service = newService(t)
	}
	opts.Verifier = verifier
	return graph.NewHandler(opts)
}

// client calls the API as one workspace, the way HTTP clients do.
type client struct {
	t         testing.TB
	handler   http.Handler
	token     string
	workspace uuid.UUID
}

// newClient returns a client of a new workspace with read and write scopes.
func newClient(t testing.TB) *client {
	return newClientOf(t, newService(t))
}

// newClientOf returns a client of a new workspace of svc with read and
// write scopes.
func newClientOf(t testing.TB, svc *service.Service) *client {
	return newClientWith(t, newHandlerOf(t, svc), uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
}

func newClientWith(t testing.TB, h http.Handler, ws uuid.UUID, scope string) *client {
	t.Helper()
	return &client{t: t, handler: h, token: mintToken(t, ws, scope), workspace: ws}
}

// mintToken returns a token of workspace ws with scope, valid for an hour.
func mintToken(t testing.TB, ws uuid.UUID, scope string) string {
	t.Helper()
	token, err := auth.Mint(testSecret, auth.TokenRequest{WorkspaceID: ws, Scope: scope, Subject: "test", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// otherWorkspace returns a client of another workspace on the same server.
func (c *client) otherWorkspace() *client {
	return newClientWith(c.t, c.handler, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// response is a decoded GraphQL response.
type response struct {
	Status     int
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Statements int64           `json:"-"`
	// Body and Header are the response as it was sent.
	Body   []byte      `json:"-"`
	Header http.Header `json:"-"`
}

// code returns the extensions.code of the first error, or "".
func (r *response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// post sends a GraphQL request and decodes the response, counting the SQL
// statements it ran.
func (c *client) post(query string, vars map[string]any) *response {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	return c.send(req)
}

func (c *client) send(req *http.Request) *response {
	c.t.Helper()
	var statements atomic.Int64
	req = req.WithContext(db.WithStatementCount(req.Context(), &statements))
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	resp := &response{Status: rec.Code, Body: rec.Body.Bytes(), Header: rec.Header()}
	if err := json.Unmarshal(rec.Body.Bytes(), resp); err != nil {
		c.t.Fatalf("response is not JSON (status %d): %v\n%s", rec.Code, err, rec.Body.String())
	}
	resp.Statements = statements.Load()
	return resp
}

// mustDo sends a request that must succeed and decodes its data into out.
func (c *client) mustDo(query string, vars map[string]any, out any) {
	c.t.Helper()
	resp := c.post(query, vars)
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		c.t.Fatalf("request failed: status %d, errors %+v\nquery: %s", resp.Status, resp.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			c.t.Fatalf("decode data: %v\n%s", err, resp.Data)
		}
	}
}

// userError is a mutation payload's user error.
type userError struct {
	Field   []string `json:"field"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
}

// contactFields selects everything a test may look at on a contact.
const contactFields = `id externalId name firstName lastName email avatarUrl description tags metadata version
	account { id } accounts { id } phones { id number type } portalRole { id slug } createdAt updatedAt`

// contactData is a contact as the tests decode it.
type contactData struct {
	ID          string          `json:"id"`
	ExternalID  *string         `json:"externalId"`
	Name        string          `json:"name"`
	FirstName   *string         `json:"firstName"`
	LastName    *string         `json:"lastName"`
	Email       *string         `json:"email"`
	AvatarURL   *string         `json:"avatarUrl"`
	Description *string         `json:"description"`
	Tags        []string        `json:"tags"`
	Metadata    json.RawMessage `json:"metadata"`
	Version     int             `json:"version"`
	Account     *struct {
		ID string `json:"id"`
	} `json:"account"`
	Accounts []struct {
		ID string `json:"id"`
	} `json:"accounts"`
	Phones []struct {
		ID     string  `json:"id"`
		Number string  `json:"number"`
		Type   *string `json:"type"`
	} `json:"phones"`
	PortalRole struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
	} `json:"portalRole"`
}

// contactPayload is the payload of a contact mutation.
type contactPayload struct {
	Contact    *contactData `json:"contact"`
	UserErrors []userError  `json:"userErrors"`
}

// createContact creates a contact that must be valid and returns it.
func (c *client) createContact(input map[string]any) *contactData {
	c.t.Helper()
	var out struct{ CreateContact contactPayload }
	c.mustDo(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { `+contactFields+` } userErrors { field code message } } }`,
		map[string]any{"input": input}, &out)
	if len(out.CreateContact.UserErrors) > 0 {
		c.t.Fatalf("createContact(%v): user errors %+v", input, out.CreateContact.UserErrors)
	}
	return out.CreateContact.Contact
}

// createAccount creates an account that must be valid and returns its id.
func (c *client) createAccount(input map[string]any) string {
	c.t.Helper()
	var out struct {
		CreateAccount struct {
			Account    *struct{ ID string }
			UserErrors []userError
		}
	}
	c.mustDo(`mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } userErrors { field code message } } }`,
		map[string]any{"input": input}, &out)
	if len(out.CreateAccount.UserErrors) > 0 {
		c.t.Fatalf("createAccount(%v): user errors %+v", input, out.CreateAccount.UserErrors)
	}
	return out.CreateAccount.Account.ID
}
