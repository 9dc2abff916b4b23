// Package graphtest is the one test harness of the API, for every
// package's tests: the HTTP handler on the test database (dbtest), the
// tokens it accepts, and a client that calls it as one workspace, in
// process (counting the SQL statements of each request) or against a
// server's URL.
package graphtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/client"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/service"
)

// Secret signs the tests' HS256 tokens.
var Secret = []byte("test-secret-0123456789abcdef0123456789abcdef")

// NewService returns a service on the test database, closed when the
// test ends so that its background writes do not outlive it.
func NewService(t testing.TB) *service.Service {
	t.Helper()
	return ServiceOf(t, dbtest.APIDB(t))
}

// ServiceOf returns a service on bdb, closed when the test ends.
func ServiceOf(t testing.TB, bdb *bun.DB) *service.Service {
	svc := service.New(db.NewStore(bdb))
	t.Cleanup(svc.Close)
	return svc
}

// servicesEachWay returns, by name, a service under row-level security
// and one without it (ROW_LEVEL_SECURITY=off), on a role that bypasses
// it, where the application's workspace filters are the only wall.
func servicesEachWay(t testing.TB) map[string]*service.Service {
	t.Helper()
	filtersAlone := service.New(db.NewStore(dbtest.DB(t)).WithoutRowSecurity())
	t.Cleanup(filtersAlone.Close)
	return map[string]*service.Service{"row-level security": NewService(t), "workspace filters alone": filtersAlone}
}

// EachWay runs test in parallel once for each service of servicesEachWay,
// in a subtest named for it: what holds under row-level security must
// hold without it.
func EachWay(t *testing.T, test func(t *testing.T, svc *service.Service)) {
	t.Helper()
	for way, svc := range servicesEachWay(t) {
		t.Run(way, func(t *testing.T) {
			t.Parallel()
			test(t, svc)
		})
	}
}

// NewHandler returns the service's HTTP handler on the test database,
// configured as the server's defaults configure it.
func NewHandler(t testing.TB) http.Handler {
	return NewHandlerWith(t, httpapi.Options{Playground: true})
}

// NewHandlerOf returns the HTTP handler of svc.
func NewHandlerOf(t testing.TB, svc *service.Service) http.Handler {
	return NewHandlerWith(t, httpapi.Options{Playground: true, Service: svc})
}

// NewHandlerWith returns the handler with opts, on the test database (or
// opts.Service) and verifying the tests' tokens.
func NewHandlerWith(t testing.TB, opts httpapi.Options) http.Handler {
	t.Helper()
	verifier, err := auth.NewVerifier(auth.Config{Secret: Secret})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Service == nil {
		opts.Service = NewService(t)
	}
	opts.Verifier = verifier
	return httpapi.NewHandler(opts)
}

// Serve serves the API's handler, wrapped by wrap when it is set, on the
// test database, until the test ends, and returns its URL.
func Serve(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := NewHandlerWith(t, httpapi.Options{})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// NewAPIClient serves the API on the test database and returns a client
// of package client, as sync backends call it, of a new workspace with
// scope whose token's subject is subject.
func NewAPIClient(t testing.TB, scope, subject string) graphql.Client {
	t.Helper()
	return client.New(Serve(t, nil), client.StaticToken(Token(t, scope, subject)))
}

// Token returns a token of a new workspace with scope, valid for an hour.
func Token(t testing.TB, scope, subject string) string {
	t.Helper()
	return MintTokenOf(t, uuid.New(), scope, subject)
}

// Subject is the subject of the tokens MintToken makes: the actor of
// what their requests write.
const Subject = "test"

// MintToken returns a token of workspace ws with scope, valid for an
// hour.
func MintToken(t testing.TB, ws uuid.UUID, scope string) string {
	t.Helper()
	return MintTokenOf(t, ws, scope, Subject)
}

// MintTokenOf returns a token of subject in workspace ws with scope,
// valid for an hour.
func MintTokenOf(t testing.TB, ws uuid.UUID, scope, subject string) string {
	t.Helper()
	token, err := auth.Mint(Secret, auth.TokenRequest{WorkspaceID: ws, Scope: scope, Subject: subject, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// Client calls the API as one workspace, the way HTTP clients do: through
// Handler in process, or, when Handler is nil, at URL.
type Client struct {
	T         testing.TB
	Handler   http.Handler
	URL       string
	Token     string
	Workspace uuid.UUID
	// HTTP sends the requests to URL; nil is http.DefaultClient.
	HTTP *http.Client
}

// NewClient returns a client of a new workspace with read and write
// scopes.
func NewClient(t testing.TB) *Client {
	return NewClientOf(t, NewService(t))
}

// NewClientOf returns a client of a new workspace of svc with read and
// write scopes.
func NewClientOf(t testing.TB, svc *service.Service) *Client {
	return NewClientWith(t, NewHandlerOf(t, svc), uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
}

// NewClientWith returns a client of workspace ws with scope, through h.
func NewClientWith(t testing.TB, h http.Handler, ws uuid.UUID, scope string) *Client {
	t.Helper()
	return &Client{T: t, Handler: h, Token: MintToken(t, ws, scope), Workspace: ws}
}

// NewClientAt returns a client of a new workspace with scope, of the
// server at url (such as Serve's).
func NewClientAt(t testing.TB, url, scope string) *Client {
	t.Helper()
	ws := uuid.New()
	return &Client{T: t, URL: url, Token: MintToken(t, ws, scope), Workspace: ws}
}

// OtherWorkspace returns a client of another workspace on the same
// server.
func (c *Client) OtherWorkspace() *Client {
	ws := uuid.New()
	return &Client{T: c.T, Handler: c.Handler, URL: c.URL, HTTP: c.HTTP, Token: MintToken(c.T, ws, auth.ScopeRead+" "+auth.ScopeWrite), Workspace: ws}
}

// WithToken returns a client of the same workspace that sends another
// bearer token, such as an API key.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// GQLError is one entry of a response's errors.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
	// Statements counts the SQL statements the request ran, in process.
	Statements int64 `json:"-"`
	// Body and Header are the response as it was sent.
	Body   []byte      `json:"-"`
	Header http.Header `json:"-"`
}

// Code returns the extensions.code of the first error, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// Post sends a GraphQL request and decodes the response, counting the
// SQL statements it ran.
func (c *Client) Post(query string, vars map[string]any) *Response {
	c.T.Helper()
	return c.Send(c.request(context.Background(), query, vars))
}

// Try sends a GraphQL request to the server at URL and decodes the
// response, or returns what kept it from getting one (the connection
// refused or cut, ctx done, a body that is not JSON), for the tests of
// faults, where a request may get no answer.
func (c *Client) Try(ctx context.Context, query string, vars map[string]any) (*Response, error) {
	resp, err := c.roundTrip(c.request(ctx, query, vars))
	if err != nil {
		return nil, err
	}
	return resp, json.Unmarshal(resp.Body, resp)
}

// request is a POST of a GraphQL request with the client's token.
func (c *Client) request(ctx context.Context, query string, vars map[string]any) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	return req
}

// Send sends req and decodes the response.
func (c *Client) Send(req *http.Request) *Response {
	c.T.Helper()
	var resp *Response
	if c.Handler != nil {
		resp = c.serve(req)
	} else {
		var err error
		if resp, err = c.roundTrip(req); err != nil {
			c.T.Fatal(err)
		}
	}
	if err := json.Unmarshal(resp.Body, resp); err != nil {
		c.T.Fatalf("response is not JSON (status %d): %v\n%s", resp.Status, err, resp.Body)
	}
	return resp
}

// serve has Handler answer req, counting the SQL statements it runs.
func (c *Client) serve(req *http.Request) *Response {
	var statements atomic.Int64
	req = req.WithContext(db.WithStatementCount(req.Context(), &statements))
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	return &Response{Status: rec.Code, Body: rec.Body.Bytes(), Header: rec.Header(), Statements: statements.Load()}
}

// roundTrip sends req to the server at URL.
func (c *Client) roundTrip(req *http.Request) (*Response, error) {
	out, err := http.NewRequestWithContext(req.Context(), req.Method, c.URL+req.URL.RequestURI(), req.Body)
	if err != nil {
		return nil, err
	}
	out.Header = req.Header
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(out)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Body: body, Header: resp.Header}, nil
}

// MustDo sends a request that must succeed and decodes its data into out.
func (c *Client) MustDo(query string, vars map[string]any, out any) {
	c.T.Helper()
	resp := c.Post(query, vars)
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		c.T.Fatalf("request failed: status %d, errors %+v\nquery: %s", resp.Status, resp.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			c.T.Fatalf("decode data: %v\n%s", err, resp.Data)
		}
	}
}

// UserError is a mutation payload's user error.
type UserError struct {
	Field   []string `json:"field"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
}

// ContactFields selects everything a test may look at on a contact.
const ContactFields = `id externalId name firstName lastName email avatarUrl description tags metadata version
	account { id } accounts { id } phones { id number type } portalRole { id slug } createdAt updatedAt`

// ContactData is a contact as the tests decode it.
type ContactData struct {
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

// ContactPayload is the payload of a contact mutation.
type ContactPayload struct {
	Contact    *ContactData `json:"contact"`
	UserErrors []UserError  `json:"userErrors"`
}

// CreateContact creates a contact that must be valid and returns it.
func (c *Client) CreateContact(input map[string]any) *ContactData {
	c.T.Helper()
	var out struct{ CreateContact ContactPayload }
	c.MustDo(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { `+ContactFields+` } userErrors { field code message } } }`,
		map[string]any{"input": input}, &out)
	if len(out.CreateContact.UserErrors) > 0 {
		c.T.Fatalf("createContact(%v): user errors %+v", input, out.CreateContact.UserErrors)
	}
	return out.CreateContact.Contact
}

// CreateAccount creates an account that must be valid and returns its id.
func (c *Client) CreateAccount(input map[string]any) string {
	c.T.Helper()
	var out struct {
		CreateAccount struct {
			Account    *struct{ ID string }
			UserErrors []UserError
		}
	}
	c.MustDo(`mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } userErrors { field code message } } }`,
		map[string]any{"input": input}, &out)
	if len(out.CreateAccount.UserErrors) > 0 {
		c.T.Fatalf("createAccount(%v): user errors %+v", input, out.CreateAccount.UserErrors)
	}
	return out.CreateAccount.Account.ID
}

// Plain returns opts without graph's fast path: gqlgen resolves every
// field and the loaders fetch whole records.
func Plain(opts httpapi.Options) httpapi.Options {
	opts.Plain = true
	return opts
}

// RecordRequest serves req with h and returns the recorded response. It
// does not touch a testing.T, so goroutines may call it.
func RecordRequest(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// NewGraphQLRequest returns a request to target; a body makes it a JSON
// request, a token authenticates it, an accept sets its Accept header.
func NewGraphQLRequest(method, target, body, token, accept string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req
}

// GetGraphQL returns a GET request of query.
func GetGraphQL(query, token, accept string) *http.Request {
	return NewGraphQLRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(query), "", token, accept)
}

// DecodeResponse decodes a GraphQL response body.
func DecodeResponse(t *testing.T, rec *httptest.ResponseRecorder) *Response {
	t.Helper()
	resp := &Response{Status: rec.Code}
	if err := json.Unmarshal(rec.Body.Bytes(), resp); err != nil {
		t.Fatalf("response is not JSON (status %d): %v\n%s", rec.Code, err, rec.Body)
	}
	return resp
}

// HasData reports whether resp carries data other than null.
func HasData(resp *Response) bool {
	return len(resp.Data) > 0 && string(resp.Data) != "null"
}

// CheckUnauthenticatedBody checks that body is exactly
// {"errors":[{"message":"…","extensions":{"code":"UNAUTHENTICATED"}}]}.
func CheckUnauthenticatedBody(t *testing.T, body []byte) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	if keys := slices.Sorted(maps.Keys(top)); !slices.Equal(keys, []string{"errors"}) {
		t.Fatalf("body has keys %v; want only errors (no data)\n%s", keys, body)
	}
	var errs []struct {
		Message    *string           `json:"message"`
		Extensions map[string]string `json:"extensions"`
		Locations  json.RawMessage   `json:"locations"`
		Path       json.RawMessage   `json:"path"`
	}
	if err := json.Unmarshal(top["errors"], &errs); err != nil {
		t.Fatalf("errors is not a list of {message, extensions}: %v\n%s", err, body)
	}
	if len(errs) != 1 {
		t.Fatalf("got %d errors; want 1\n%s", len(errs), body)
	}
	e := errs[0]
	if e.Message == nil || *e.Message == "" {
		t.Errorf("error has no message; want one\n%s", body)
	}
	if want := map[string]string{"code": "UNAUTHENTICATED"}; !maps.Equal(e.Extensions, want) {
		t.Errorf("extensions = %v; want %v", e.Extensions, want)
	}
	if e.Locations != nil || e.Path != nil {
		t.Errorf("error has locations or path; want only message and extensions\n%s", body)
	}
	lower := strings.ToLower(*e.Message)
	for _, leak := range []string{"jwt", "signature", "expired", "exp claim", "segments"} {
		if strings.Contains(lower, leak) {
			t.Errorf("message %q tells why the token failed (%q); want the reason only in the log", *e.Message, leak)
		}
	}
}

// Missing ends a test that lacks a tool of the machine, why: it is skipped
// on a developer's machine, but fails in CI, which must run it.
func Missing(t *testing.T, why, test string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI must run %s", why, test)
	}
	t.Skipf("%s; skipping %s", why, test)
}

// IdempotentResult is a raw response to a request with an Idempotency-Key.
type IdempotentResult struct {
	Status   int
	Replayed bool
	Body     string
}

// PostWithKey sends createContact for name with an Idempotency-Key.
func (c *Client) PostWithKey(key, name string) IdempotentResult {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name } userErrors { code } } }`,
		"variables": map[string]any{"input": map[string]any{"name": name}},
	})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Idempotency-Key", key)
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	return IdempotentResult{rec.Code, rec.Header().Get("Idempotent-Replayed") == "true", rec.Body.String()}
}

// SendWithKey sends query with vars and an Idempotency-Key.
func (c *Client) SendWithKey(key, query string, vars map[string]any) *Response {
	c.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := NewGraphQLRequest(http.MethodPost, "/graphql", string(body), c.Token, "")
	req.Header.Set("Idempotency-Key", key)
	return c.Send(req)
}

// Replayed reports whether resp is a stored response sent again.
func (r *Response) Replayed() bool { return r.Header.Get("Idempotent-Replayed") == "true" }

// ContactCount returns how many contacts the workspace has.
func (c *Client) ContactCount() int {
	c.T.Helper()
	var out struct{ Contacts struct{ TotalCount int } }
	c.MustDo(`{ contacts { totalCount } }`, nil, &out)
	return out.Contacts.TotalCount
}

// AllScopes is every scope there is, as a workspace admin's token has them.
var AllScopes = strings.Join(auth.Scopes, " ")

// APIKeyFields selects everything a test may look at on an API key.
const APIKeyFields = `id name prefix scopes createdAt expiresAt lastUsedAt revokedAt`

// APIKeyData is an API key as the tests decode it.
type APIKeyData struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

// CreateAPIKeyPayload is the payload of createApiKey.
type CreateAPIKeyPayload struct {
	APIKey     *APIKeyData `json:"apiKey"`
	Secret     *string     `json:"secret"`
	UserErrors []UserError `json:"userErrors"`
}

// TryCreateAPIKey sends createApiKey and returns its payload.
func (c *Client) TryCreateAPIKey(input map[string]any) CreateAPIKeyPayload {
	c.T.Helper()
	var out struct {
		CreateAPIKey CreateAPIKeyPayload `json:"createApiKey"`
	}
	c.MustDo(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
		apiKey { `+APIKeyFields+` } secret userErrors { field code message } } }`,
		map[string]any{"input": input}, &out)
	return out.CreateAPIKey
}

// CreateAPIKey creates a key that must be valid and returns it with its secret.
func (c *Client) CreateAPIKey(name string, scopes ...string) (APIKeyData, string) {
	c.T.Helper()
	p := c.TryCreateAPIKey(map[string]any{"name": name, "scopes": scopes})
	if len(p.UserErrors) > 0 || p.APIKey == nil || p.Secret == nil {
		c.T.Fatalf("createApiKey(%q, %v): want a key and its secret, got user errors %+v", name, scopes, p.UserErrors)
	}
	return *p.APIKey, *p.Secret
}

// ListAPIKeys returns the workspace's API keys.
func (c *Client) ListAPIKeys() []APIKeyData {
	c.T.Helper()
	var out struct {
		APIKeys []APIKeyData `json:"apiKeys"`
	}
	c.MustDo(`{ apiKeys { `+APIKeyFields+` } }`, nil, &out)
	return out.APIKeys
}

// LogBuffer collects log lines written from any goroutine.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write adds p to the buffer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what the buffer holds.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CaptureLogs sends the default logger's output, at every level, to a
// buffer until the test ends. It changes a global: only tests that do not
// call t.Parallel may use it, and they run before the parallel ones start.
func CaptureLogs(t *testing.T) *LogBuffer {
	logs := &LogBuffer{}
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(previous) })
	return logs
}

// Concurrently makes n calls of call at once and returns their responses
// by call. call runs off the test's goroutine, so it must not stop the test.
func Concurrently(n int, call func(i int) *Response) []*Response {
	out := make([]*Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = call(i) })
	}
	wg.Wait()
	return out
}

// ServiceWithHook returns a service on the test database whose queries
// run hook.
func ServiceWithHook(t *testing.T, hook bun.QueryHook) *service.Service {
	t.Helper()
	return ServiceOf(t, dbtest.APIDB(t).WithQueryHook(hook))
}

// AccountCount returns how many accounts the workspace has.
func (c *Client) AccountCount() int {
	c.T.Helper()
	var out struct{ Accounts struct{ TotalCount int } }
	c.MustDo(`{ accounts { totalCount } }`, nil, &out)
	return out.Accounts.TotalCount
}

// Request returns a POST request of query with c's token.
func (c *Client) Request(query string) *http.Request {
	body := fmt.Sprintf(`{"query":%q}`, query)
	return NewGraphQLRequest(http.MethodPost, "/graphql", body, c.Token, "")
}
