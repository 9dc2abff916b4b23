package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/bench/serverproc"
	"github.com/contacts-api/contacts/db/localpg"
)

// secret signs the attack's tokens; the server under attack verifies with it.
const secret = "attack-secret-0123456789abcdef0123456789"

// target is the server under attack and the credentials an attacker may
// hold: an admin and a read-only token and a token without scopes in
// workspace A, an admin token of workspace B.
type target struct {
	*serverproc.Process
	cluster *localpg.Cluster

	adminA, readA, noScopeA, adminB string
}

func startTarget(ctx context.Context, bin, dir string) (*target, error) {
	cluster, err := localpg.StartThrowaway(ctx)
	if err != nil {
		return nil, err
	}
	if err := cluster.CreateDatabase(ctx, "attack", ""); err != nil {
		cluster.Stop()
		return nil, err
	}
	server, err := serverproc.Start(ctx, serverproc.Server{
		Name: "server", Dir: dir, Binary: bin, Args: []string{"serve"},
		Env: []string{"DATABASE_URL=" + cluster.URL("attack"), "JWT_SECRET=" + secret}, Ready: "/healthz",
	})
	if err != nil {
		cluster.Stop()
		return nil, err
	}
	t := &target{Process: server, cluster: cluster}
	wsA, wsB := uuid.New(), uuid.New()
	t.adminA = mint(wsA, "contacts:read contacts:write keys:admin", "admin-a")
	t.readA = mint(wsA, "contacts:read", "reader-a")
	t.noScopeA = mint(wsA, "", "nobody-a")
	t.adminB = mint(wsB, "contacts:read contacts:write keys:admin", "admin-b")
	return t, nil
}

func mint(ws uuid.UUID, scope, subject string) string {
	token, err := auth.Mint([]byte(secret), auth.TokenRequest{WorkspaceID: ws, Scope: scope, Subject: subject, TTL: time.Hour})
	if err != nil {
		panic(err)
	}
	return token
}

func (t *target) stop() {
	t.Stop()
	t.cluster.Stop()
}

// rssMB is the server process's resident memory, -1 when it cannot be
// read.
func (t *target) rssMB() float64 {
	mb, err := t.MemoryMB("VmRSS")
	if err != nil {
		return -1
	}
	return mb
}

// answer is a GraphQL response as the attacker sees it.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	elapsed time.Duration
}

// codes are the extensions.code values of the answer's errors.
func (a answer) codes() []string {
	var r struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	json.Unmarshal(a.body, &r)
	var codes []string
	for _, e := range r.Errors {
		codes = append(codes, e.Extensions.Code)
	}
	return codes
}

func (a answer) hasCode(code string) bool {
	for _, c := range a.codes() {
		if c == code {
			return true
		}
	}
	return false
}

func (a answer) String() string {
	b := a.body
	if len(b) > 300 {
		b = append(b[:300:300], "…"...)
	}
	return fmt.Sprintf("HTTP %d %s", a.status, b)
}

// post sends a GraphQL document with variables as token, with extra headers.
func (t *target) post(token, query string, variables map[string]any, headers ...string) answer {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	return t.postRaw(token, body, headers...)
}

func (t *target) postRaw(token string, body []byte, headers ...string) answer {
	req, _ := http.NewRequest(http.MethodPost, t.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{status: -1, body: []byte(err.Error()), elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b, elapsed: time.Since(start)}
}

// bestOf returns the quickest of n answers to the same request.
func bestOf(n int, send func() answer) answer {
	var best answer
	for i := 0; i < n; i++ {
		a := send()
		if i == 0 || a.elapsed < best.elapsed {
			best = a
		}
	}
	return best
}

const firstPage = `{ contacts(first: 10) { nodes { id name } } }`

// countContacts counts the contacts of token's workspace that filter,
// with $v bound to value, matches.
func countContacts(t *target, token, filter, value string) int {
	a := t.post(token, `query($v: String!) { contacts(filter: `+filter+`) { totalCount } }`, map[string]any{"v": value})
	var page struct {
		Data struct {
			Contacts struct{ TotalCount int } `json:"contacts"`
		} `json:"data"`
	}
	if json.Unmarshal(a.body, &page) != nil {
		return -1
	}
	return page.Data.Contacts.TotalCount
}
