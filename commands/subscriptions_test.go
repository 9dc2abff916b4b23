package commands

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// TestSubscriptionAcrossTwoProcesses writes through one server process
// and sees the event arrive at a subscriber of another within a second:
// PostgreSQL's NOTIFY carries the news between them.
func TestSubscriptionAcrossTwoProcesses(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.EmptyDatabase(t)
	bin := buildServer(t)
	env := []string{"DATABASE_URL=" + dbURL, "ADDR=127.0.0.1:0", "JWT_SECRET=" + string(graphtest.Secret), "WEBHOOK_WORKERS=0"}
	_, writer := startProcess(t, bin, env...)
	_, reader := startProcess(t, bin, env...)
	api := graphtest.NewClientAt(t, "http://"+writer, auth.ScopeWrite)
	api.HTTP = &http.Client{Timeout: faultWait}
	c, token := &apiClient{api}, api.Token
	c.mustPost(t, `{ viewer { workspaceId } }`, nil) // provision the workspace

	s, err := graphtest.DialSocket(t, "http://"+reader, graphtest.BearerPayload(token))
	if err != nil {
		t.Fatal(err)
	}
	s.Subscribe("1", `subscription { changes(types: [PORTAL_ROLE_CREATED]) { recordId type actor } }`, nil)
	time.Sleep(500 * time.Millisecond) // the subscription starts asynchronously

	// The best of several writes: the bound is the issue's, the machine
	// is shared.
	best := time.Hour
	for i := range 3 {
		start := time.Now()
		data := c.mustPost(t, `mutation($slug: String!) { createPortalRole(input: {slug: $slug, name: "Role"}) { portalRole { id } } }`,
			map[string]any{"slug": fmt.Sprint("role_", i)})
		var created struct {
			CreatePortalRole struct{ PortalRole struct{ ID string } }
		}
		if err := json.Unmarshal(data, &created); err != nil {
			t.Fatal(err)
		}
		m, err := s.Next(10 * time.Second)
		if err != nil {
			t.Fatalf("the subscriber on the other process got no event: %v", err)
		}
		best = min(best, time.Since(start))
		var next struct {
			Data struct {
				Changes struct{ RecordID, Type, Actor string }
			}
		}
		if err := json.Unmarshal(m.Payload, &next); err != nil || next.Data.Changes.RecordID != created.CreatePortalRole.PortalRole.ID || next.Data.Changes.Actor != graphtest.Subject {
			t.Fatalf("the subscriber got %s %s; want the event of %s", m.Type, m.Payload, created.CreatePortalRole.PortalRole.ID)
		}
	}
	t.Logf("a change written through one process reached a subscriber of the other in %v (best of 3)", best)
	if best > time.Second {
		t.Errorf("a change reached the other process's subscriber in %v at best; want within 1 s", best)
	}
}
