package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/bench/load"
	"github.com/contacts-api/contacts/bench/serverproc"
)

// TestCheckResponseSendsAsTheLoadGeneratorAndRefusesFailures: a check
// sends the case's request with the run's token and its own unique key,
// returns the answer's data, and refuses an answer with GraphQL errors or
// a failed status, so that a case never measures how fast a server fails.
func TestCheckResponseSendsAsTheLoadGeneratorAndRefusesFailures(t *testing.T) {
	answers := map[string]struct {
		status int
		body   string
	}{
		"ok":     {http.StatusOK, `{"data":{"n":1}}`},
		"errors": {http.StatusOK, `{"data":null,"errors":[{"message":"no"}]}`},
		"failed": {http.StatusServiceUnavailable, `{"data":null}`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Key string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Authorization") != "Bearer tok" || !strings.HasPrefix(body.Key, "check-") {
			http.Error(w, "not as the load generator sends it", http.StatusBadRequest)
			return
		}
		a := answers[r.URL.Query().Get("answer")]
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	defer srv.Close()
	b := &bench{token: "tok"}
	p := &serverproc.Process{URL: srv.URL}
	request := func(answer string) load.Request {
		return load.Request{Method: http.MethodPost, Path: "/graphql?answer=" + answer, Body: json.RawMessage(`{"key":"KEY"}`), Unique: "KEY"}
	}
	accept := func(json.RawMessage) error { return nil }

	data, err := b.checkResponse(t.Context(), p, request("ok"), accept)
	if err != nil || string(data) != `{"n":1}` {
		t.Fatalf("checkResponse of a good answer = %s, %v; want its data", data, err)
	}
	for _, answer := range []string{"errors", "failed"} {
		if _, err := b.checkResponse(t.Context(), p, request(answer), accept); err == nil {
			t.Errorf("checkResponse of an answer that %s passed; want an error", answer)
		}
	}
}
