package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// apiKeyPattern is the documented form of an API key.
var apiKeyPattern = regexp.MustCompile(`^ck_[0-9A-Za-z]{8}_[0-9A-Za-z]{43,}$`)

// withToken returns a client of the same workspace that sends another
// bearer token, such as an API key.
func (c *client) withToken(token string) *client {
	return &client{c.WithToken(token)}
}

// revokeAPIKey revokes a key of the workspace and returns it.
func (c *client) revokeAPIKey(id string) graphtest.APIKeyData {
	c.T.Helper()
	var out struct {
		RevokeAPIKey struct {
			APIKey     *graphtest.APIKeyData `json:"apiKey"`
			UserErrors []graphtest.UserError `json:"userErrors"`
		} `json:"revokeApiKey"`
	}
	c.MustDo(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { `+graphtest.APIKeyFields+` } userErrors { field code message } } }`,
		map[string]any{"id": id}, &out)
	if p := out.RevokeAPIKey; p.APIKey == nil || len(p.UserErrors) > 0 {
		c.T.Fatalf("revokeApiKey(%s): want the revoked key, got user errors %+v", id, p.UserErrors)
	}
	return *out.RevokeAPIKey.APIKey
}

// expireAPIKey moves a key's expiry into the past, as time would.
func expireAPIKey(t *testing.T, id string) {
	t.Helper()
	_, err := dbtest.DB(t).ExecContext(context.Background(),
		"UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = ?", id)
	if err != nil {
		t.Fatalf("expire API key %s: %v", id, err)
	}
}

// checkRefused checks that resp is the 401 of a refused credential.
func checkRefused(t *testing.T, resp *graphtest.Response) {
	t.Helper()
	if resp.Status != http.StatusUnauthorized {
		t.Fatalf("status = %d; want 401\n%s", resp.Status, resp.Body)
	}
	graphtest.CheckUnauthenticatedBody(t, resp.Body)
}

const readContacts = `{ contacts { totalCount } }`

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	svc := graphtest.NewService(t)
	admin := newClientWith(t, graphtest.NewHandlerOf(t, svc), uuid.New(), graphtest.AllScopes)

	key, secret := admin.CreateAPIKey("CRM sync", auth.ScopeRead, auth.ScopeWrite)
	if !apiKeyPattern.MatchString(secret) || !strings.HasPrefix(secret, key.Prefix+"_") {
		t.Fatalf("secret %q with prefix %q; want ck_, the prefix, _ and 43 base62 characters", secret, key.Prefix)
	}
	if !strings.HasPrefix(key.ID, "api_key_") || !slices.Equal(key.Scopes, []string{auth.ScopeRead, auth.ScopeWrite}) ||
		key.ExpiresAt != nil || key.LastUsedAt != nil || key.RevokedAt != nil {
		t.Fatalf("created key = %+v; want an api_key_ id, scopes read and write, never used, no expiry, not revoked", key)
	}

	backend := admin.withToken(secret)
	contact := backend.CreateContact(map[string]any{"name": "Ada Lovelace"})
	var seen struct{ Contact *struct{ ID string } }
	admin.MustDo(`query($id: ID) { contact(id: $id) { id } }`, map[string]any{"id": contact.ID}, &seen)
	if seen.Contact == nil {
		t.Fatalf("the contact the key created is not in the key's workspace")
	}
	withKey, withToken := backend.Post(readContacts, nil), admin.Post(readContacts, nil)
	if withKey.Statements != withToken.Statements+1 {
		t.Errorf("a query ran %d statements with the key and %d with a token; want the key to cost exactly one lookup more",
			withKey.Statements, withToken.Statements)
	}
	rec := graphtest.RecordRequest(admin.Handler, graphtest.GetGraphQL(readContacts, secret, ""))
	if resp := graphtest.DecodeResponse(t, rec); rec.Code != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("query over GET with the key: status %d, errors %+v; want 200", rec.Code, resp.Errors)
	}

	svc.Close() // waits for the background write of lastUsedAt
	keys := admin.ListAPIKeys()
	if len(keys) != 1 || keys[0].ID != key.ID || keys[0].Prefix != key.Prefix || keys[0].LastUsedAt == nil || keys[0].RevokedAt != nil {
		t.Fatalf("apiKeys = %+v; want the one key, used, not revoked", keys)
	}

	revoked := admin.revokeAPIKey(key.ID)
	if revoked.RevokedAt == nil {
		t.Fatalf("revokeApiKey returned %+v; want revokedAt set", revoked)
	}
	checkRefused(t, backend.Post(readContacts, nil))
	again := admin.revokeAPIKey(key.ID)
	if again.RevokedAt == nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
		t.Errorf("revoking again gave revokedAt %v; want it unchanged at %v", again.RevokedAt, revoked.RevokedAt)
	}
	if keys := admin.ListAPIKeys(); len(keys) != 1 || keys[0].RevokedAt == nil {
		t.Errorf("apiKeys after revoking = %+v; want the key listed as revoked", keys)
	}
}

func TestExpiredAPIKey(t *testing.T) {
	t.Parallel()
	admin := newClientWith(t, graphtest.NewHandler(t), uuid.New(), graphtest.AllScopes)
	inAnHour := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	created := admin.TryCreateAPIKey(map[string]any{
		"name": "Nightly import", "scopes": []string{auth.ScopeRead}, "expiresAt": inAnHour.Format(time.RFC3339),
	})
	if created.APIKey == nil || created.APIKey.ExpiresAt == nil || !created.APIKey.ExpiresAt.Equal(inAnHour) {
		t.Fatalf("createApiKey with expiresAt %v = %+v; want the key with that expiry", inAnHour, created)
	}
	backend := admin.withToken(*created.Secret)
	if resp := backend.Post(readContacts, nil); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("before its expiry the key got status %d, errors %+v; want 200", resp.Status, resp.Errors)
	}
	expireAPIKey(t, created.APIKey.ID)
	checkRefused(t, backend.Post(readContacts, nil))
}

// TestRefusedAPIKeysLookAlike checks that every refused key gets the same
// response and costs the same work, one lookup by hash, whatever was wrong.
func TestRefusedAPIKeysLookAlike(t *testing.T) {
	t.Parallel()
	admin := newClientWith(t, graphtest.NewHandler(t), uuid.New(), graphtest.AllScopes)
	revokedKey, revoked := admin.CreateAPIKey("Revoked", auth.ScopeRead)
	admin.revokeAPIKey(revokedKey.ID)
	expiredKey, expired := admin.CreateAPIKey("Expired", auth.ScopeRead)
	expireAPIKey(t, expiredKey.ID)
	_, valid := admin.CreateAPIKey("Valid", auth.ScopeRead)
	unknown, _ := auth.NewAPIKey()
	lastChanged := valid[:len(valid)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(valid, "A")]

	// A key of the right form costs one lookup by hash, whatever it is;
	// a malformed one, which no key can be, costs none.
	const lookup, noLookup = 1, 0
	tests := []struct {
		name           string
		token          string
		wantStatements int64
	}{
		{"unknown", unknown, lookup},
		{"revoked", revoked, lookup},
		{"expired", expired, lookup},
		{"valid key with its last character changed", lastChanged, lookup},
		{"valid key cut short", valid[:len(valid)-1], noLookup},
		{"valid key with a character added", valid + "x", noLookup},
		{"the marker alone", "ck_", noLookup},
		{"marker and prefix", valid[:len("ck_")+8], noLookup},
		{"characters outside base62", "ck_abcdefgh_" + strings.Repeat("-", 43), noLookup},
		{"4 KB of garbage", "ck_" + strings.Repeat("x", 4<<10), noLookup},
	}
	want := admin.withToken(unknown).Post(readContacts, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := admin.withToken(tt.token).Post(readContacts, nil)
			checkRefused(t, resp)
			if !bytes.Equal(resp.Body, want.Body) || resp.Header.Get("WWW-Authenticate") != want.Header.Get("WWW-Authenticate") {
				t.Errorf("body %s, challenge %q; want what an unknown key gets: %s, %q",
					resp.Body, resp.Header.Get("WWW-Authenticate"), want.Body, want.Header.Get("WWW-Authenticate"))
			}
			if resp.Statements != tt.wantStatements {
				t.Errorf("ran %d statements; want %d", resp.Statements, tt.wantStatements)
			}
		})
	}
	if jwt := admin.withToken("abc.def.ghi").Post(readContacts, nil); !bytes.Equal(jwt.Body, want.Body) {
		t.Errorf("a refused JWT got %s; want the same body as a refused key: %s", jwt.Body, want.Body)
	}
}

// Documents of the scope checks.
const (
	writeAccount       = `mutation { createAccount(input: {name: "Acme"}) { account { id } userErrors { code } } }`
	listKeys           = `{ apiKeys { id } }`
	listKeysInFragment = `query { ...Keys } fragment Keys on Query { keys: apiKeys { id } }`
	readAndListKeys    = `{ contacts { totalCount } apiKeys { id } }`
	createKey          = `mutation { createApiKey(input: {name: "Spare", scopes: ["keys:admin"]}) { apiKey { id } userErrors { code } } }`
	writeAndCreateKey  = `mutation { createAccount(input: {name: "Acme"}) { account { id } }
		createApiKey(input: {name: "Spare", scopes: ["contacts:read"]}) { apiKey { id } } }`
	revokeTarget = `mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } userErrors { code } } }`
	targetNode   = `query($id: ID!) { node(id: $id) { id } }`
)

func TestAPIKeyScopes(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	const (
		read      = auth.ScopeRead
		write     = auth.ScopeWrite
		keysAdmin = auth.ScopeKeysAdmin
		forbidden = "FORBIDDEN"
	)
	tests := []struct {
		name     string
		scopes   []string
		viaKey   bool // call with an API key of these scopes, not a JWT
		document string
		wantCode string
	}{
		{"a read-only key can read", []string{read}, true, readContacts, ""},
		{"a read-only key cannot mutate", []string{read}, true, writeAccount, forbidden},
		{"a read-only key cannot list keys", []string{read}, true, listKeys, forbidden},
		{"a read-only key cannot list keys through a fragment and an alias", []string{read}, true, listKeysInFragment, forbidden},
		{"a read-only key cannot list keys beside a query it may run", []string{read}, true, readAndListKeys, forbidden},
		{"a read-only key cannot create keys", []string{read}, true, createKey, forbidden},
		{"a read-only key cannot revoke keys", []string{read}, true, revokeTarget, forbidden},
		{"a read-only key cannot fetch a key by node", []string{read}, true, targetNode, forbidden},
		{"a write key can mutate", []string{write}, true, writeAccount, ""},
		{"a write key cannot create keys", []string{write}, true, createKey, forbidden},
		{"a write key cannot create a key beside a write it may do", []string{write}, true, writeAndCreateKey, forbidden},
		{"a keys:admin key can list keys", []string{keysAdmin}, true, listKeys, ""},
		{"a keys:admin key can list keys through a fragment", []string{keysAdmin}, true, listKeysInFragment, ""},
		{"a keys:admin key can create keys", []string{keysAdmin}, true, createKey, ""},
		{"a keys:admin key can revoke keys", []string{keysAdmin}, true, revokeTarget, ""},
		{"a key with read and keys:admin can fetch a key by node", []string{read, keysAdmin}, true, targetNode, ""},
		{"a keys:admin key cannot read contacts", []string{keysAdmin}, true, readContacts, forbidden},
		{"a token without keys:admin cannot list keys", []string{read, write}, false, listKeys, forbidden},
		{"a token without keys:admin cannot create keys", []string{read, write}, false, createKey, forbidden},
		{"a token without keys:admin cannot revoke keys", []string{read, write}, false, revokeTarget, forbidden},
		{"a token with keys:admin can create keys", []string{keysAdmin}, false, createKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			admin := newClientWith(t, h, uuid.New(), graphtest.AllScopes)
			target, _ := admin.CreateAPIKey("Target", auth.ScopeRead)
			caller := newClientWith(t, h, admin.Workspace, strings.Join(tt.scopes, " "))
			if tt.viaKey {
				_, secret := admin.CreateAPIKey("Caller", tt.scopes...)
				caller = admin.withToken(secret)
			}
			var vars map[string]any
			if strings.Contains(tt.document, "$id") {
				vars = map[string]any{"id": target.ID}
			}
			const state = `{ apiKeys { id revokedAt } accounts { totalCount } }`
			var before json.RawMessage
			admin.MustDo(state, nil, &before)

			resp := caller.Post(tt.document, vars)
			if resp.Status != http.StatusOK || resp.Code() != tt.wantCode {
				t.Fatalf("status %d, error code %q; want 200 and %q (errors %+v)", resp.Status, resp.Code(), tt.wantCode, resp.Errors)
			}
			if tt.wantCode == "" {
				return
			}
			var after json.RawMessage
			admin.MustDo(state, nil, &after)
			if rootsWithData(t, resp) > 0 || !bytes.Equal(before, after) {
				t.Fatalf("a refused operation returned data %s or changed the workspace from %s to %s; want neither", resp.Data, before, after)
			}
		})
	}
}

// rootsWithData counts the root fields of resp whose data is not null.
func rootsWithData(t *testing.T, resp *graphtest.Response) int {
	t.Helper()
	if !graphtest.HasData(resp) {
		return 0
	}
	var roots map[string]any
	if err := json.Unmarshal(resp.Data, &roots); err != nil {
		t.Fatalf("data is not an object: %v\n%s", err, resp.Data)
	}
	n := 0
	for _, v := range roots {
		if v != nil {
			n++
		}
	}
	return n
}

func TestCreateAPIKeyValidation(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	past := time.Now().Add(-time.Minute).Format(time.RFC3339)
	tests := []struct {
		name      string
		input     map[string]any
		wantField []string
		wantCode  string
	}{
		{"a blank name is required", map[string]any{"name": "  ", "scopes": []string{auth.ScopeRead}}, []string{"input", "name"}, "REQUIRED"},
		{"256 characters of name are too long", map[string]any{"name": strings.Repeat("n", 256), "scopes": []string{auth.ScopeRead}}, []string{"input", "name"}, "TOO_LONG"},
		{"no scopes are refused", map[string]any{"name": "Sync", "scopes": []string{}}, []string{"input", "scopes"}, "REQUIRED"},
		{"an unknown scope is invalid at its index", map[string]any{"name": "Sync", "scopes": []string{auth.ScopeRead, "contacts:delete"}}, []string{"input", "scopes", "1"}, "INVALID"},
		{"a scope the creator lacks is invalid at its index", map[string]any{"name": "Sync", "scopes": []string{auth.ScopeWrite}}, []string{"input", "scopes", "0"}, "INVALID"},
		{"an expiry in the past is invalid", map[string]any{"name": "Sync", "scopes": []string{auth.ScopeRead}, "expiresAt": past}, []string{"input", "expiresAt"}, "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The creator may read and manage keys, but not write.
			creator := newClientWith(t, h, uuid.New(), auth.ScopeRead+" "+auth.ScopeKeysAdmin)
			p := creator.TryCreateAPIKey(tt.input)
			if len(p.UserErrors) != 1 || !slices.Equal(p.UserErrors[0].Field, tt.wantField) || p.UserErrors[0].Code != tt.wantCode {
				t.Fatalf("user errors %+v; want one %s at %v", p.UserErrors, tt.wantCode, tt.wantField)
			}
			if p.APIKey != nil || p.Secret != nil {
				t.Errorf("a refused createApiKey returned key %+v and a secret; want neither", p.APIKey)
			}
			if keys := creator.ListAPIKeys(); len(keys) != 0 {
				t.Errorf("a refused createApiKey stored %+v; want nothing", keys)
			}
		})
	}
}

func TestCreateAPIKeyKeepsEachScopeOnce(t *testing.T) {
	t.Parallel()
	creator := newClientWith(t, graphtest.NewHandler(t), uuid.New(), auth.ScopeWrite+" "+auth.ScopeKeysAdmin)
	name := strings.Repeat("é", 255)
	key, _ := creator.CreateAPIKey(name, auth.ScopeRead, auth.ScopeKeysAdmin, auth.ScopeRead)
	// Writing implies reading, so a writer may grant contacts:read.
	if want := []string{auth.ScopeRead, auth.ScopeKeysAdmin}; !slices.Equal(key.Scopes, want) || key.Name != name {
		t.Fatalf("key scopes %v, name of %d characters; want %v and the 255 characters given", key.Scopes, len([]rune(key.Name)), want)
	}
}

// apiKeyTenancyCases probe the API key entry points with the other
// workspace's key.
var apiKeyTenancyCases = []tenancyCase{
	{name: "node(api key id)", query: probeNodeByID, vars: theirRecord(apiKeyOf), want: nothingFound},
	{name: "revokeApiKey", query: probeMutation("$id: ID!", "revokeApiKey(id: $id)", "apiKey { id }"),
		vars: theirRecord(apiKeyOf), want: refusedNotFound("id")},
	{name: "apiKeys", query: `{ found: apiKeys { id } }`,
		vars: func(_, _ *tenant) jsonObject { return nil },
		want: func(own *tenant) any { return jsonObject{"found": idObjects(own.apiKeyID)} }},
}

func apiKeyOf(w *tenant) string { return w.apiKeyID }

// withAPIKey gives the tenant an API key with every scope, and returns the
// tenant calling with that key.
func (w *tenant) withAPIKey() *tenant {
	w.c.T.Helper()
	key, secret := w.c.CreateAPIKey("Backend", auth.Scopes...)
	keyed := *w
	keyed.c, keyed.apiKeyID = w.c.withToken(secret), key.ID
	return &keyed
}

// TestAPIKeyTenantIsolation runs the whole tenancy matrix with API keys:
// a key of one workspace reaches nothing of another, its keys included.
func TestAPIKeyTenantIsolation(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	a := seedTenant(t, newClientWith(t, h, uuid.New(), graphtest.AllScopes)).withAPIKey()
	b := seedTenant(t, newClientWith(t, h, uuid.New(), graphtest.AllScopes)).withAPIKey()
	checkIsolation(t, a, b, slices.Concat(tenancyCases, apiKeyTenancyCases))
	for _, w := range []*tenant{a, b} {
		if keys := w.in(t).c.ListAPIKeys(); len(keys) != 1 || keys[0].ID != w.apiKeyID || keys[0].RevokedAt != nil {
			t.Errorf("workspace %s lists keys %+v; want its own key %s, not revoked", w.c.Workspace, keys, w.apiKeyID)
		}
	}
}

// columnsHolding returns, as table.column, every column of every table of
// the test database that holds s somewhere in a row.
func columnsHolding(t *testing.T, s string) []string {
	return columnsHoldingAny(t, []string{s})[s]
}

// columnsHoldingAny returns, for each string of ss found in the test
// database, the columns (table.column) of the rows that hold it: any
// column of any table, as text, and a bytea column's bytes as they are.
func columnsHoldingAny(t *testing.T, ss []string) map[string][]string {
	t.Helper()
	ctx, bdb := context.Background(), dbtest.DB(t)
	var columns []struct {
		Schema string `bun:"table_schema"`
		Table  string `bun:"table_name"`
		Column string `bun:"column_name"`
		Type   string `bun:"data_type"`
	}
	err := bdb.NewRaw(`SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables USING (table_schema, table_name)
		WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`).Scan(ctx, &columns)
	if err != nil || len(columns) == 0 {
		t.Fatalf("list columns: %v (found %d)", err, len(columns))
	}
	holding := map[string][]string{}
	for _, c := range columns {
		cond := "position(s IN ?::text) > 0"
		if c.Type == "bytea" {
			cond = "position(convert_to(s, 'UTF8') IN ?) > 0"
		}
		var found []string
		err := bdb.NewRaw("SELECT s FROM unnest(?::text[]) AS s WHERE EXISTS (SELECT FROM ?.? WHERE "+cond+")",
			pgdialect.Array(ss), bun.Ident(c.Schema), bun.Ident(c.Table), bun.Ident(c.Column)).Scan(ctx, &found)
		if err != nil {
			t.Fatalf("search %s.%s: %v", c.Table, c.Column, err)
		}
		for _, s := range found {
			holding[s] = append(holding[s], c.Table+"."+c.Column)
		}
	}
	return holding
}

// TestAPIKeySecretAppearsOnlyOnce follows a key from creation to refusal
// and looks for its secret in every later response, every log line and
// every column of the database. It captures the global logger, so it does
// not run in parallel.
func TestAPIKeySecretAppearsOnlyOnce(t *testing.T) {
	logs := graphtest.CaptureLogs(t)
	svc := graphtest.NewService(t)
	admin := newClientWith(t, graphtest.NewHandlerOf(t, svc), uuid.New(), graphtest.AllScopes)

	created := admin.Post(`mutation { createApiKey(input: {name: "CRM sync", scopes: ["contacts:read", "contacts:write"]}) {
		apiKey { id prefix } secret } }`, nil)
	var out struct {
		CreateAPIKey struct {
			APIKey struct{ ID, Prefix string } `json:"apiKey"`
			Secret string                      `json:"secret"`
		} `json:"createApiKey"`
	}
	if err := json.Unmarshal(created.Data, &out); err != nil || out.CreateAPIKey.Secret == "" {
		t.Fatalf("createApiKey: %v, errors %+v; want a key and its secret", err, created.Errors)
	}
	key, secret := out.CreateAPIKey.APIKey, out.CreateAPIKey.Secret
	// The random part alone: finding it means the secret leaked in any form.
	random := secret[strings.LastIndex(secret, "_")+1:]

	backend := admin.withToken(secret)
	later := []*graphtest.Response{
		backend.Post(readContacts, nil),
		backend.Post(`mutation { createContact(input: {name: "Ada Lovelace"}) { contact { id } } }`, nil),
		admin.Post(`{ apiKeys { `+graphtest.APIKeyFields+` } }`, nil),
		admin.Post(`query($id: ID!) { node(id: $id) { id ... on ApiKey { `+graphtest.APIKeyFields+` } } }`, map[string]any{"id": key.ID}),
		admin.Post(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { `+graphtest.APIKeyFields+` } } }`, map[string]any{"id": key.ID}),
		backend.Post(readContacts, nil),
		admin.withToken(secret+"x").Post(readContacts, nil),
		admin.withToken("x"+secret).Post(readContacts, nil),
	}
	svc.Close() // the background writes log too

	for i, resp := range later {
		if bytes.Contains(resp.Body, []byte(random)) {
			t.Errorf("response %d after creation holds the secret: %s", i, resp.Body)
		}
	}
	if !strings.Contains(logs.String(), key.Prefix) {
		t.Errorf("no log line names the key by its prefix %s; want the refusals logged\n%s", key.Prefix, logs)
	}
	if strings.Contains(logs.String(), random) {
		t.Errorf("the logs hold the secret:\n%s", logs)
	}
	if cols := columnsHolding(t, random); len(cols) > 0 {
		t.Errorf("columns %v hold the secret; want it in none", cols)
	}
	hash := sha256.Sum256([]byte(secret))
	var stored []byte
	if err := dbtest.DB(t).NewRaw("SELECT key_hash FROM api_keys WHERE id = ?", key.ID).Scan(context.Background(), &stored); err != nil || !bytes.Equal(stored, hash[:]) {
		t.Errorf("stored key_hash %x (err %v); want the SHA-256 of the key, %x", stored, err, hash)
	}
}

// TestAPIKeyInXAPIKeyHeader sends an API key where clients of other contact
// APIs send it, X-API-Key, and refuses credentials in the URL.
func TestAPIKeyInXAPIKeyHeader(t *testing.T) {
	t.Parallel()
	admin := newClientWith(t, graphtest.NewHandler(t), uuid.New(), graphtest.AllScopes)
	admin.CreateContact(map[string]any{"name": "Ada Lovelace"})
	_, secret := admin.CreateAPIKey("CRM sync", auth.ScopeRead)
	const query = `{"query":"{ contacts { totalCount } }"}`
	tests := []struct {
		name          string
		target        string
		authorization string
		apiKey        string
		wantStatus    int
	}{
		{"an API key in X-API-Key", "/graphql", "", secret, http.StatusOK},
		{"an API key in X-API-Key with spaces around it", "/graphql", "", " " + secret + " ", http.StatusOK},
		{"a JWT in X-API-Key", "/graphql", "", admin.Token, http.StatusUnauthorized},
		{"an unknown key in X-API-Key", "/graphql", "", secret + "x", http.StatusUnauthorized},
		{"both headers", "/graphql", "Bearer " + admin.Token, secret, http.StatusUnauthorized},
		{"the key in the query string", "/graphql?api_key=" + secret, "", "", http.StatusUnauthorized},
		{"the key in the query string beside a good header", "/graphql?k=" + secret, "", secret, http.StatusUnauthorized},
		{"a token parameter beside a good header", "/graphql?access_token=x", "Bearer " + admin.Token, "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		req := graphtest.NewGraphQLRequest(http.MethodPost, tt.target, query, "", "")
		if tt.authorization != "" {
			req.Header.Set("Authorization", tt.authorization)
		}
		if tt.apiKey != "" {
			req.Header.Set("X-API-Key", tt.apiKey)
		}
		rec := graphtest.RecordRequest(admin.Handler, req)
		resp := graphtest.DecodeResponse(t, rec)
		if rec.Code != tt.wantStatus {
			t.Errorf("%s: status %d, body %s; want %d", tt.name, rec.Code, rec.Body, tt.wantStatus)
		}
		if tt.wantStatus == http.StatusOK && (len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"totalCount":1`)) {
			t.Errorf("%s: body %s; want the workspace's one contact", tt.name, rec.Body)
		}
	}
}
