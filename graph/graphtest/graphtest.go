// Package graphtest serves the API to the tests of its clients: the
// handler on the test database (dbtest), and tokens it accepts.
package graphtest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/service"
)

// secret signs the tokens the served API accepts.
var secret = []byte("test-secret-0123456789abcdef0123456789abcdef")

// Serve serves the API's handler, wrapped by wrap when it is set, on the
// test database, until the test ends, and returns its URL.
func Serve(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	verifier, err := auth.NewVerifier(auth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(db.NewStore(dbtest.APIDB(t)))
	t.Cleanup(svc.Close)
	var h http.Handler = graph.NewHandler(graph.Options{Service: svc, Verifier: verifier})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Token returns a token of a new workspace with scope, valid for an hour.
func Token(t testing.TB, scope, subject string) string {
	t.Helper()
	token, err := auth.Mint(secret, auth.TokenRequest{WorkspaceID: uuid.New(), Scope: scope, Subject: subject, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return token
}
