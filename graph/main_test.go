package graph_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// client is the harness's client, with the helpers of this package's
// tests as its methods.
type client struct{ *graphtest.Client }

// newClient returns a client of a new workspace with read and write scopes.
func newClient(t testing.TB) *client { return &client{graphtest.NewClient(t)} }

// newClientOf returns a client of a new workspace of svc with read and
// write scopes.
func newClientOf(t testing.TB, svc *service.Service) *client {
	return &client{graphtest.NewClientOf(t, svc)}
}

// newClientWith returns a client of workspace ws with scope, through h.
func newClientWith(t testing.TB, h http.Handler, ws uuid.UUID, scope string) *client {
	return &client{graphtest.NewClientWith(t, h, ws, scope)}
}

// otherWorkspace returns a client of another workspace on the same server.
func (c *client) otherWorkspace() *client { return &client{c.OtherWorkspace()} }

// rootField runs doc with vars, which must succeed, and returns the value
// of its one root field.
func rootField[T any](c *client, doc string, vars map[string]any) T {
	c.T.Helper()
	var out map[string]T
	c.MustDo(doc, vars, &out)
	if len(out) != 1 {
		c.T.Fatalf("%d root fields, want 1", len(out))
	}
	for _, v := range out {
		return v
	}
	panic("unreachable")
}
