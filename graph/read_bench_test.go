package graph_test

import (
	"context"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/seed"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
)

// benchPageQuery is the page of make bench's page_100 and page_999 cases.
const benchPageQuery = `query Page($first: Int!) { contacts(first: $first) {
  nodes { id name email tags account { id name } accounts { id name } phones { id number type } portalRole { id slug } }
  pageInfo { hasNextPage endCursor } } }`

// quietLogs turns the request log off until b ends: it would drown the
// figures.
func quietLogs(b *testing.B) {
	logger := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { slog.SetDefault(logger) })
}

// BenchmarkPage times pages of the bench's page query in one process, for
// allocations per page (-benchmem) without the load generator.
func BenchmarkPage(b *testing.B) {
	quietLogs(b)
	// page_999 costs 273,726, over the default limit, as in make bench.
	h := graphtest.NewHandlerWith(b, httpapi.Options{Limits: httpapi.Limits{MaxComplexity: 1_000_000}})
	c := newClientWith(b, h, uuid.New(), auth.ScopeRead)
	plan := seed.Plan{Workspace: c.Workspace, Contacts: 1000, Accounts: 100, PhonesPerContact: 2, TagsPerContact: 3}
	if _, err := seed.Run(context.Background(), dbtest.DB(b), plan, nil); err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name  string
		first int
	}{{"100", 100}, {"999", 999}} {
		b.Run(size.name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				resp := c.Post(benchPageQuery, map[string]any{"first": size.first})
				if len(resp.Errors) > 0 {
					b.Fatal(resp.Errors)
				}
			}
		})
	}
}

// reportCPU reports the CPU time (user and system) that the process
// spends per op, when the function it returns is called at the end of
// the loop: on a busy machine ns/op also counts the waits for PostgreSQL
// and for the CPU, which this does not. (It counts the test client's
// work too, the same before and after a change of the server.)
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		b.ReportMetric(float64((cpuTime(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// cpuTime returns the CPU time the process has spent so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchContactQuery is the query of make bench's contact_by_id case.
const benchContactQuery = `query Contact($id: ID!) { contact(id: $id) {
  id externalId name firstName lastName email tags metadata version createdAt } }`

// BenchmarkContactByID times the bench's contact_by_id query in one
// process: what a small request costs besides its one statement.
func BenchmarkContactByID(b *testing.B) {
	quietLogs(b)
	c := newClient(b)
	id := c.CreateContact(map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "tags": []string{"a", "b", "c"}}).ID
	for b.Loop() {
		if resp := c.Post(benchContactQuery, map[string]any{"id": id}); len(resp.Errors) > 0 {
			b.Fatal(resp.Errors)
		}
	}
}
