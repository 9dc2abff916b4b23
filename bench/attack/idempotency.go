package main

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"
)

const createKey = `mutation { createApiKey(input: {name: "replayed", scopes: ["contacts:read"]}) { apiKey { id } secret userErrors { code } } }`

// apiKeySecret finds an API key in an answer.
var apiKeySecret = regexp.MustCompile(`ck_[A-Za-z0-9_]{20,}`)

// idempotencyReplay replays a key admin's Idempotency-Key as weaker
// callers and another workspace, and replays a refusal to a caller with
// the scope.
func idempotencyReplay(ctx context.Context, t *target) []finding {
	key := fmt.Sprintf("attack-%d", time.Now().UnixNano())
	first := t.post(t.adminA, createKey, nil, "Idempotency-Key", key)
	secret := apiKeySecret.FindString(string(first.body))
	var fs []finding
	fs = append(fs, held("the admin's own request", secret != "", "%s", first))
	for _, caller := range []struct{ name, token string }{
		{"a read-only token replays it", t.readA},
		{"a token without scopes replays it", t.noScopeA},
		{"another workspace replays it", t.adminB},
		{"the admin replays it", t.adminA},
	} {
		a := t.post(caller.token, createKey, nil, "Idempotency-Key", key)
		leaked := secret != "" && regexp.MustCompile(regexp.QuoteMeta(secret)).Match(a.body)
		fs = append(fs, held(caller.name, !leaked, "%s", a))
	}
	refusedKey := key + "-refused"
	refused := t.post(t.readA, createKey, nil, "Idempotency-Key", refusedKey)
	allowed := t.post(t.adminA, createKey, nil, "Idempotency-Key", refusedKey)
	fs = append(fs, held("a FORBIDDEN answer is not replayed to the admin", refused.hasCode("FORBIDDEN") && apiKeySecret.Match(allowed.body), "first %s; then %s", refused, allowed))
	return append(fs, concurrentRetries(t, key+"-once"))
}

// concurrentRetries sends 20 retries of one create at once, with one key.
func concurrentRetries(t *target, key string) finding {
	const retries = 20
	externalID := "retried-" + key
	create := `mutation($x: String!) { createContact(input: {name: "Retried", externalId: $x}) { contact { id } } }`
	var wg sync.WaitGroup
	for range retries {
		wg.Go(func() { t.post(t.adminA, create, map[string]any{"x": externalID}, "Idempotency-Key", key) })
	}
	wg.Wait()
	n := countContacts(t, t.adminA, `{externalId: {equals: $v}}`, externalID)
	return held("20 concurrent retries of one create", n == 1, "%d contacts stored", n)
}
