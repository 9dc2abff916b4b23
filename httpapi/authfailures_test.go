package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/httpapi/clientaddr"
	"github.com/contacts-api/contacts/service"
)

// sendFrom sends c's query of the contacts with token as if from the
// client at remoteAddr, forwarded by proxies when forwardedFor is set.
func sendFrom(c *graphtest.Client, token, remoteAddr, forwardedFor string) *graphtest.Response {
	req := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, token, "")
	req.RemoteAddr = remoteAddr
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	return c.Send(req)
}

// unknownAPIKey returns a well-formed API key that no workspace has.
func unknownAPIKey() string {
	key, _ := auth.NewAPIKey()
	return key
}

func TestFailedAuthenticationsAreLimited(t *testing.T) {
	t.Parallel()
	const limit = 5
	proxies, err := clientaddr.ParseProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	svc := graphtest.NewService(t)
	h := graphtest.NewHandlerWith(t, httpapi.Options{Service: svc, RateLimits: httpapi.RateLimits{FailedAuthPerMinute: limit}, TrustedProxies: proxies})
	c := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead)
	key, _, err := svc.CreateAPIKeyAsOperator(context.Background(), c.Workspace, service.CreateAPIKeyInput{Name: "sync", Scopes: []string{auth.ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name               string
		attacker, neighbor [2]string // RemoteAddr and X-Forwarded-For
	}{
		{"by the connection's address", [2]string{"203.0.113.1:4000", ""}, [2]string{"203.0.113.2:4000", ""}},
		{"by an IPv6 /64", [2]string{"[2001:db8:0:1::1]:4000", ""}, [2]string{"[2001:db8:0:2::1]:4000", ""}},
		{"by the address a trusted proxy forwards", [2]string{"10.0.0.1:4000", "198.51.100.1"}, [2]string{"10.0.0.1:4000", "198.51.100.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range limit {
				if resp := sendFrom(c, unknownAPIKey(), tt.attacker[0], tt.attacker[1]); resp.Status != http.StatusUnauthorized {
					t.Fatalf("bad key %d of %d: status %d; want 401", i+1, limit, resp.Status)
				}
			}
			another := tt.attacker[0]
			if strings.HasPrefix(another, "[") {
				another = strings.Replace(another, "::1]", "::ff]", 1) // same /64
			}
			// Over the limit, API keys are refused before their lookup,
			// good or bad, and bad JWTs once checked.
			for name, token := range map[string]string{"an unknown API key": unknownAPIKey(), "a good API key": key.Secret, "a bad JWT": "not.a.jwt"} {
				resp := sendFrom(c, token, another, tt.attacker[1])
				if resp.Status != http.StatusTooManyRequests || resp.Code() != graph.CodeRateLimited || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("%s after %d failures: status %d, code %q, Retry-After %q; want 429, %s and a Retry-After", name, limit, resp.Status, resp.Code(), resp.Header.Get("Retry-After"), graph.CodeRateLimited)
				}
				if resp.Statements != 0 {
					t.Errorf("%s refused for its client's failures ran %d SQL statements; want 0", name, resp.Statements)
				}
			}
			if resp := sendFrom(c, c.Token, another, tt.attacker[1]); resp.Status != http.StatusOK {
				t.Errorf("a good JWT from the same client, which costs no lookup: status %d; want 200 (errors %+v)", resp.Status, resp.Errors)
			}
			for name, token := range map[string]string{"a good JWT": c.Token, "a good API key": key.Secret} {
				if resp := sendFrom(c, token, tt.neighbor[0], tt.neighbor[1]); resp.Status != http.StatusOK {
					t.Errorf("%s from another client: status %d; want 200 (errors %+v)", name, resp.Status, resp.Errors)
				}
			}
		})
	}
}
