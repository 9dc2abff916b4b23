package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// TestSecretFieldsAreNullableStrings checks what a replay relies on to
// withhold a @secret field: its value is a string it can find, and null is
// a value it may have.
func TestSecretFieldsAreNullableStrings(t *testing.T) {
	var secrets []string
	for _, def := range schema().Types {
		for _, f := range def.Fields {
			if f.Directives.ForName("secret") == nil {
				continue
			}
			secrets = append(secrets, def.Name+"."+f.Name)
			if f.Type.NonNull || f.Type.NamedType != "String" {
				t.Errorf("%s.%s is @secret of type %s; want String, nullable", def.Name, f.Name, f.Type)
			}
		}
	}
	if !slices.Contains(secrets, "CreateApiKeyPayload.secret") {
		t.Errorf("the @secret fields are %v; want CreateApiKeyPayload.secret among them", secrets)
	}
}

// secretIssue is a request that makes the API hand out a secret, and
// where the secret is in its data.
type secretIssue struct {
	name  string
	query string
	// secrets returns the secrets in data, by their paths.
	secrets func(data json.RawMessage) map[string]string
}

// secretIssues are the ways the API hands out secrets. A new one (a
// webhook's signing secret, say) is listed here: TestNoSecretIsKept then
// issues it with and without an Idempotency-Key and looks for it in every
// replay and every column of the database.
var secretIssues = []secretIssue{
	{
		name:  "createApiKey",
		query: `mutation { createApiKey(input: {name: "sync", scopes: ["contacts:read"]}) { apiKey { id } secret } }`,
		secrets: func(data json.RawMessage) map[string]string {
			var out struct {
				CreateAPIKey struct{ Secret string } `json:"createApiKey"`
			}
			json.Unmarshal(data, &out)
			return map[string]string{"createApiKey.secret": out.CreateAPIKey.Secret}
		},
	},
	{
		name: "createApiKey selecting its secret twice",
		query: `mutation { created: createApiKey(input: {name: "twice", scopes: ["contacts:read"]}) {
			apiKey { id } once: secret twice: secret } }`,
		secrets: func(data json.RawMessage) map[string]string {
			var out struct {
				Created struct{ Once, Twice string }
			}
			json.Unmarshal(data, &out)
			return map[string]string{"created.once": out.Created.Once, "created.twice": out.Created.Twice}
		},
	},
}

// TestNoSecretIsKept issues every kind of secret, as a token and as an
// API key, with and without an Idempotency-Key, replays each idempotent
// request, and looks for every secret and credential the test used in
// every replay and in every column of every table: none may hold one. A
// replay shows each secret null with SECRET_NOT_REPLAYED at its path, and
// the rest of the first response.
func TestNoSecretIsKept(t *testing.T) {
	t.Parallel()
	svc := graphtest.NewService(t)
	ws := uuid.New()
	admin := newClientWith(t, graphtest.NewHandlerOf(t, svc), ws, graphtest.AllScopes)
	operatorKey, _, err := svc.CreateAPIKeyAsOperator(context.Background(), ws, service.CreateAPIKeyInput{Name: "operator", Scopes: auth.Scopes})
	if err != nil {
		t.Fatal(err)
	}
	_, adminKey := admin.CreateAPIKey("admin", auth.Scopes...)
	callers := map[string]*client{"a token": admin, "an API key": admin.withToken(adminKey)}
	// The credentials are secrets too: the JWT signing secret (config)
	// and the bearer tokens.
	secrets := []string{string(graphtest.Secret), admin.Token, adminKey, operatorKey.Secret}

	for _, issue := range secretIssues {
		for callerName, c := range callers {
			plain := c.Post(issue.query, nil)
			if plain.Status != http.StatusOK || len(plain.Errors) > 0 {
				t.Fatalf("%s as %s: status %d, %s", issue.name, callerName, plain.Status, plain.Body)
			}
			key := fmt.Sprintf("%s as %s", issue.name, callerName)
			first := c.SendWithKey(key, issue.query, nil)
			replay := c.SendWithKey(key, issue.query, nil)
			shown := issue.secrets(first.Data)
			for path, secret := range issue.secrets(plain.Data) {
				secrets = append(secrets, secret)
				secrets = append(secrets, shown[path])
			}
			checkReplayWithholds(t, key, first, replay, shown)
		}
	}
	for _, s := range secrets {
		if len(s) < 16 {
			t.Fatalf("secret %q: want every issued secret found in its response", s)
		}
	}
	svc.Close() // the background writes too
	for secret, columns := range columnsHoldingAny(t, slices.Compact(slices.Sorted(slices.Values(secrets)))) {
		t.Errorf("columns %v hold the secret %s…; want no column to hold a secret", columns, secret[:8])
	}
}

// checkReplayWithholds checks that replay is first replayed with each of
// the secrets it showed (by path) null, an error SECRET_NOT_REPLAYED at
// its path, and the rest of its data as it was.
func checkReplayWithholds(t *testing.T, name string, first, replay *graphtest.Response, shown map[string]string) {
	t.Helper()
	if !replay.Replayed() || replay.Status != first.Status {
		t.Errorf("%s: replay status %d, replayed %v; want the first response replayed", name, replay.Status, replay.Replayed())
	}
	want := first.Data
	for path, secret := range shown {
		if bytes.Contains(replay.Body, []byte(secret)) {
			t.Errorf("%s: the replay shows the secret at %s: %s", name, path, replay.Body)
		}
		want = bytes.ReplaceAll(want, []byte(`"`+secret+`"`), []byte("null"))
		if !slices.ContainsFunc(replay.Errors, func(e graphtest.GQLError) bool {
			return e.Extensions["code"] == graph.CodeSecretNotReplayed && fmt.Sprint(e.Path...) == fmt.Sprint(pathOf(path)...)
		}) {
			t.Errorf("%s: replay errors %+v; want %s at %s", name, replay.Errors, graph.CodeSecretNotReplayed, path)
		}
	}
	if !bytes.Equal(replay.Data, want) {
		t.Errorf("%s: replayed data %s; want the first response's with its secrets null, %s", name, replay.Data, want)
	}
}

// pathOf splits a dotted path into a response path's elements.
func pathOf(dotted string) []any {
	var path []any
	for _, name := range bytes.Split([]byte(dotted), []byte(".")) {
		path = append(path, string(name))
	}
	return path
}
