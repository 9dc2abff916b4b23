package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/client"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// readWrite is the scope of the tests' clients, and clientSubject their
// tokens' subject.
const (
	readWrite     = auth.ScopeRead + " " + auth.ScopeWrite
	clientSubject = "client-test"
)

// newClient serves the API and returns a read and write client of a new
// workspace.
func newClient(t *testing.T) graphql.Client {
	return graphtest.NewAPIClient(t, readWrite, clientSubject)
}

// noUserErrors fails the test when a mutation reported user errors.
func noUserErrors(t *testing.T, what string, errs []*client.UserErrorFields) {
	t.Helper()
	for _, e := range errs {
		t.Errorf("%s: user error %s at %v: %s; want none", what, e.Code, e.Field, e.Message)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
}

// allContacts reads every contact of the workspace, pageSize at a time.
func allContacts(t *testing.T, c graphql.Client, pageSize int) []*client.ContactFields {
	t.Helper()
	var contacts []*client.ContactFields
	for contact, err := range client.AllContacts(t.Context(), c, pageSize) {
		if err != nil {
			t.Fatalf("page through contacts: %v", err)
		}
		contacts = append(contacts, contact)
	}
	return contacts
}

func TestContactLifecycle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t)

	created, err := client.CreateContact(ctx, c, &client.CreateContactInput{
		FirstName: client.Ptr("Ada"), LastName: client.Ptr("Lovelace"), Email: client.Ptr("ada@example.com"),
		Tags:     []string{"vip"},
		Metadata: client.Ptr(json.RawMessage(`{"plan":"pro"}`)),
		Phones:   []*client.PhoneInput{{Number: "+14155550123", Type: client.Ptr(client.PhoneTypeMobile)}},
	})
	if err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	noUserErrors(t, "CreateContact", created.CreateContact.UserErrors)
	ada := created.CreateContact.Contact
	if ada.Name != "Ada Lovelace" || *ada.Email != "ada@example.com" || len(ada.Phones) != 1 || ada.Version != 1 || ada.CreatedAt.IsZero() {
		t.Fatalf("CreateContact: got name %q, email %v, %d phones, version %d, createdAt %v; want Ada Lovelace, ada@example.com, 1 phone, version 1, a time",
			ada.Name, *ada.Email, len(ada.Phones), ada.Version, ada.CreatedAt)
	}
	if string(ada.Metadata) != `{"plan":"pro"}` {
		t.Fatalf("CreateContact: metadata %s; want {\"plan\":\"pro\"}", ada.Metadata)
	}

	updated, err := client.UpdateContact(ctx, c, ada.Id, &client.UpdateContactInput{Email: client.Ptr("ada@analytical.example")})
	if err != nil {
		t.Fatalf("UpdateContact: %v", err)
	}
	noUserErrors(t, "UpdateContact", updated.UpdateContact.UserErrors)
	if got := updated.UpdateContact.Contact; *got.Email != "ada@analytical.example" || got.Name != "Ada Lovelace" || len(got.Tags) != 1 || got.Version != 2 {
		t.Fatalf("UpdateContact of the email: got email %s, name %q, tags %v, version %d; want the new email, the rest unchanged, version 2",
			*got.Email, got.Name, got.Tags, got.Version)
	}

	upsert := func(input *client.UpsertContactInput) *client.UpsertContactPayload {
		t.Helper()
		resp, err := client.UpsertContact(ctx, c, input)
		if err != nil {
			t.Fatalf("UpsertContact: %v", err)
		}
		noUserErrors(t, "UpsertContact", resp.UpsertContact.UserErrors)
		return resp.UpsertContact
	}
	first := upsert(&client.UpsertContactInput{ExternalId: "crm-1", Name: client.Ptr("Grace Hopper")})
	second := upsert(&client.UpsertContactInput{ExternalId: "crm-1", Description: client.Ptr("Admiral")})
	if !first.Created || second.Created || second.Contact.Id != first.Contact.Id || second.Contact.Name != "Grace Hopper" {
		t.Fatalf("two upserts of crm-1: created %v then %v, ids %s and %s, name %q; want true then false, one id, the name kept",
			first.Created, second.Created, first.Contact.Id, second.Contact.Id, second.Contact.Name)
	}

	bulk, err := client.BulkUpsertContacts(ctx, c, []*client.UpsertContactInput{
		{ExternalId: "crm-2", Name: client.Ptr("Alan Turing")},
		{ExternalId: "crm-3", Name: client.Ptr("Edsger Dijkstra")},
		{ExternalId: "crm-4", Name: client.Ptr("Bad Email"), Email: client.Ptr("not an email")},
	}, nil)
	if err != nil {
		t.Fatalf("BulkUpsertContacts: %v", err)
	}
	results := bulk.BulkUpsertContacts.Results
	if len(results) != 3 || !results[0].Created || !results[1].Created || results[2].Contact != nil || len(results[2].UserErrors) != 1 {
		t.Fatalf("BulkUpsertContacts: %d results; want 3, the first two created and the third refused", len(results))
	}
	if e := results[2].UserErrors[0]; e.Code != client.UserErrorCodeInvalid || !slices.Equal(e.Field, []string{"inputs", "2", "email"}) {
		t.Fatalf("BulkUpsertContacts: the bad email's error is %s at %v; want INVALID at [inputs 2 email]", e.Code, e.Field)
	}

	var names []string
	for _, contact := range allContacts(t, c, 2) {
		names = append(names, contact.Name)
	}
	if want := []string{"Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"}; !slices.Equal(names, want) {
		t.Fatalf("contacts, two a page: %q; want %q", names, want)
	}

	deleted, err := client.DeleteContact(ctx, c, ada.Id)
	if err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	noUserErrors(t, "DeleteContact", deleted.DeleteContact.UserErrors)
	if got := deleted.DeleteContact.DeletedId; got == nil || *got != ada.Id {
		t.Fatalf("DeleteContact: deleted id %v; want %s", got, ada.Id)
	}
	if n := len(allContacts(t, c, 100)); n != 3 {
		t.Fatalf("after the deletion: %d contacts; want 3", n)
	}

	again, err := client.DeleteContact(ctx, c, ada.Id)
	if err != nil {
		t.Fatalf("DeleteContact of a deleted contact: %v", err)
	}
	if errs := again.DeleteContact.UserErrors; len(errs) != 1 || errs[0].Code != client.UserErrorCodeNotFound {
		t.Fatalf("DeleteContact of a deleted contact: user errors %+v; want one NOT_FOUND", errs)
	}
}

// exchange is what a test saw of one request and its response.
type exchange struct {
	operation      string
	idempotencyKey string
	replayed       bool
}

// recordExchanges wraps the API so that it records each request, and
// loses the response to the first request with an Idempotency-Key: the
// mutation is done, and the client sees a 502 instead of its result.
func recordExchanges(seen *[]exchange, mu *sync.Mutex) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		lost := false
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct{ OperationName string }
			raw, _ := io.ReadAll(r.Body)
			json.Unmarshal(raw, &body)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			mu.Lock()
			key := r.Header.Get("Idempotency-Key")
			*seen = append(*seen, exchange{body.OperationName, key, rec.Header().Get("Idempotent-Replayed") == "true"})
			lose := key != "" && !lost
			lost = lost || lose
			mu.Unlock()
			if lose {
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
}

func TestRetryAfterLostResponseRunsTheMutationOnce(t *testing.T) {
	t.Parallel()
	var (
		seen []exchange
		mu   sync.Mutex
	)
	c := client.New(graphtest.Serve(t, recordExchanges(&seen, &mu)), client.StaticToken(graphtest.Token(t, readWrite, clientSubject)), client.WithRetries(3, time.Millisecond))

	resp, err := client.UpsertContact(t.Context(), c, &client.UpsertContactInput{ExternalId: "crm-1", Name: client.Ptr("Ada Lovelace")})
	if err != nil {
		t.Fatalf("UpsertContact: %v; want the retry to succeed", err)
	}
	noUserErrors(t, "UpsertContact", resp.UpsertContact.UserErrors)
	if !resp.UpsertContact.Created {
		t.Fatal("UpsertContact: created false; want the first run's answer, created true, replayed")
	}
	if n := len(allContacts(t, c, 100)); n != 1 {
		t.Fatalf("%d contacts after a retried upsert; want 1", n)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("requests %+v; want the upsert, its retry and the page query", seen)
	}
	upsert, retry, query := seen[0], seen[1], seen[2]
	if upsert.operation != "UpsertContact" || len(upsert.idempotencyKey) < 16 || retry.idempotencyKey != upsert.idempotencyKey || !retry.replayed {
		t.Fatalf("the upsert %+v and its retry %+v; want one random Idempotency-Key on both and the retry replayed", upsert, retry)
	}
	if query.operation != "Contacts" || query.idempotencyKey != "" {
		t.Fatalf("the query %+v; want Contacts without an Idempotency-Key", query)
	}
}

func TestIdempotencyKeyFromTheContext(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := client.WithIdempotencyKey(t.Context(), "import-2026-11-23-batch-1")
	input := &client.UpsertContactInput{ExternalId: "crm-1", Name: client.Ptr("Ada Lovelace")}
	for i := range 2 {
		resp, err := client.UpsertContact(ctx, c, input)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if !resp.UpsertContact.Created {
			t.Fatalf("call %d: created false; want true, the second call answered with the first one's response", i+1)
		}
	}
}

// failingTokens is a token source that cannot give a token.
type failingTokens struct{}

func (failingTokens) Token(context.Context) (string, error) {
	return "", errors.New("identity provider down")
}

func TestFailedCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		tokens       client.TokenSource
		wantStatus   int
		wantRequests int
	}{
		{"a refused token is not retried", client.StaticToken("not-a-token"), http.StatusUnauthorized, 1},
		{"a token source's failure sends nothing", failingTokens{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				seen []exchange
				mu   sync.Mutex
			)
			c := client.New(graphtest.Serve(t, recordExchanges(&seen, &mu)), tt.tokens, client.WithRetries(3, time.Millisecond))
			_, err := client.Contacts(t.Context(), c, nil, nil)
			if err == nil {
				t.Fatal("Contacts: no error; want one")
			}
			httpErr, isHTTP := errors.AsType[*graphql.HTTPError](err)
			switch {
			case tt.wantStatus != 0 && (!isHTTP || httpErr.StatusCode != tt.wantStatus):
				t.Fatalf("Contacts: error %v; want HTTP status %d", err, tt.wantStatus)
			case tt.wantStatus == 0 && isHTTP:
				t.Fatalf("Contacts: error %v; want no HTTP status", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != tt.wantRequests {
				t.Fatalf("%d requests reached the API; want %d", len(seen), tt.wantRequests)
			}
		})
	}
}

func TestViewer(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	resp, err := client.Viewer(t.Context(), c)
	if err != nil {
		t.Fatalf("Viewer: %v", err)
	}
	v := resp.Viewer
	if v.CredentialKind != client.CredentialKindToken || v.CredentialId != "client-test" || v.WorkspaceId == "" ||
		!slices.Equal(v.Scopes, []string{auth.ScopeRead, auth.ScopeWrite}) {
		t.Errorf("Viewer: got %+v; want the token's workspace, kind TOKEN, id client-test, scopes %s and %s", v, auth.ScopeRead, auth.ScopeWrite)
	}
}

// TestUpsertContactByEmail proves the client's upsert by email: it
// creates the contact, then reports an equal upsert as UNCHANGED.
func TestUpsertContactByEmail(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t)
	var actions []client.WriteAction
	for range 2 {
		resp, err := client.UpsertContactByEmail(ctx, c, "ada@example.com", &client.UpdateContactInput{Name: client.Ptr("Ada Lovelace")}, nil)
		if err != nil {
			t.Fatalf("UpsertContactByEmail: %v", err)
		}
		noUserErrors(t, "UpsertContactByEmail", resp.UpsertContactByEmail.UserErrors)
		actions = append(actions, *resp.UpsertContactByEmail.Action)
	}
	if want := []client.WriteAction{client.WriteActionCreated, client.WriteActionUnchanged}; !slices.Equal(actions, want) {
		t.Errorf("two upserts by email: %v, want %v", actions, want)
	}
}
