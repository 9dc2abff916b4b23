package commands

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/localpg"
)

// recoveryLimit is how soon after PostgreSQL is back every request must
// succeed again.
const recoveryLimit = 2 * time.Second

// mutation is one request of a contactLoad: the contacts it sent (their
// external ids and phone numbers), when it started and what it got.
type mutation struct {
	contacts map[string][]string
	started  time.Time
	answer   *answer
}

// contactLoad sends mutations that create contacts with phones, one
// after the other from each of its workers, until halted.
type contactLoad struct {
	c       *apiClient
	next    *atomic.Int64 // numbers the contacts, across loads
	stopped atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	sent    []*mutation
}

func startLoad(c *apiClient, next *atomic.Int64, workers int) *contactLoad {
	l := &contactLoad{c: c, next: next}
	for w := range workers {
		l.wg.Go(func() {
			for i := w; !l.stopped.Load(); i++ {
				m := l.send(i%2 == 0)
				l.mu.Lock()
				l.sent = append(l.sent, m)
				l.mu.Unlock()
			}
		})
	}
	return l
}

// halt stops the load once each worker's request is answered, and
// returns what it sent.
func (l *contactLoad) halt() []*mutation {
	l.stopped.Store(true)
	l.wg.Wait()
	return l.sent
}

// send sends one contact with 3 phones through createContact, or 5 with 2
// phones each through bulkUpsertContacts.
func (l *contactLoad) send(bulk bool) *mutation {
	size, phones := 1, 3
	if bulk {
		size, phones = 5, 2
	}
	m := &mutation{contacts: map[string][]string{}, started: time.Now()}
	inputs := make([]map[string]any, size)
	for i := range inputs {
		n := l.next.Add(1)
		externalID := fmt.Sprintf("crash-%d", n)
		var numbers []map[string]any
		for p := range phones {
			// Exchanges from 200: a number of a real US exchange, which
			// phone numbers must be.
			number := fmt.Sprintf("+1415%07d", 2_000_000+n*10+int64(p))
			m.contacts[externalID] = append(m.contacts[externalID], number)
			numbers = append(numbers, map[string]any{"number": number})
		}
		inputs[i] = map[string]any{"externalId": externalID, "name": "Crash " + strconv.FormatInt(n, 10), "phones": numbers}
	}
	if bulk {
		m.answer = l.c.post(context.Background(), `mutation($inputs: [UpsertContactInput!]!) {
			bulkUpsertContacts(inputs: $inputs, atomic: true) { results { index userErrors { code } } } }`,
			map[string]any{"inputs": inputs})
	} else {
		m.answer = l.c.post(context.Background(), `mutation($input: CreateContactInput!) {
			createContact(input: $input) { contact { id } userErrors { code } } }`,
			map[string]any{"input": inputs[0]})
	}
	return m
}

// TestDatabaseCrashUnderLoad kills PostgreSQL (an immediate shutdown, as
// a crash) while clients create contacts, then starts it again, with the
// same server running throughout. While PostgreSQL is down, requests must
// fail as INTERNAL, or as UNAVAILABLE when they wrote nothing, and
// /readyz answer 503; from recoveryLimit after it is
// back, every request must succeed; no goroutine may be left over; and
// every contact must have all the phones its mutation sent, or not exist.
// CONTACTS_LONG_TESTS=1 crashes it five times, for longer.
//
// It does not run in parallel: it counts the process's goroutines.
func TestDatabaseCrashUnderLoad(t *testing.T) {
	cycles, down := 1, 1500*time.Millisecond
	if os.Getenv("CONTACTS_LONG_TESTS") == "1" {
		cycles, down = 5, 5*time.Second
	}
	const workers = 4
	cluster, cfg, c := serveOnCrashableCluster(t)

	var next atomic.Int64
	warm := startLoad(c, &next, workers)
	time.Sleep(500 * time.Millisecond)
	sent := warm.halt()
	for _, m := range sent {
		if !m.answer.ok() {
			t.Fatalf("before the crash: %s", m.answer)
		}
	}
	before := settledGoroutines(c)

	for cycle := 1; cycle <= cycles; cycle++ {
		load := startLoad(c, &next, workers)
		time.Sleep(500 * time.Millisecond)
		if err := cluster.Crash(); err != nil {
			t.Fatal(err)
		}
		if status := c.readiness(t); status != http.StatusServiceUnavailable {
			t.Errorf("/readyz while PostgreSQL is down: %d; want 503", status)
		}
		time.Sleep(down)
		if err := cluster.Restart(context.Background()); err != nil {
			t.Fatal(err)
		}
		back := time.Now()
		time.Sleep(recoveryLimit + time.Second)
		if status := c.readiness(t); status != http.StatusOK {
			t.Errorf("/readyz %s after PostgreSQL is back: %d; want 200", recoveryLimit+time.Second, status)
		}
		cycleSent := load.halt()
		checkRecovery(t, cycle, cycleSent, back, strconv.Itoa(cluster.Port))
		sent = append(sent, cycleSent...)
	}
	checkGoroutines(t, c, before)
	checkWhole(t, cfg.DatabaseURL, sent)
}

// crashableCluster starts a PostgreSQL cluster of the test's own, which
// it may crash, with a database "contacts".
func crashableCluster(t *testing.T) *localpg.Cluster {
	t.Helper()
	// The throwaway cluster acknowledges commits before their WAL leaves
	// PostgreSQL's memory; a crash would then lose acknowledged commits.
	// (Without fsync, what reached the OS survives a crash of PostgreSQL.)
	cluster, err := localpg.StartThrowaway(t.Context(), localpg.Setting{Name: "synchronous_commit", Value: "on"})
	if errors.Is(err, localpg.ErrNotInstalled) && os.Getenv("CI") == "" {
		t.Skip(err) // TEST_DATABASE_URL serves the other tests
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	if err := cluster.CreateDatabase(t.Context(), "contacts", ""); err != nil {
		t.Fatal(err)
	}
	return cluster
}

// serveOnCrashableCluster serves the API on a crashableCluster, with the
// production timeouts, and returns its configuration and a client of a
// provisioned workspace.
func serveOnCrashableCluster(t *testing.T) (*localpg.Cluster, config, *apiClient) {
	t.Helper()
	cluster := crashableCluster(t)
	cfg := testConfig(cluster.URL("contacts"))
	cfg.DatabaseTimeouts = db.DefaultTimeouts
	at, _ := startServing(t, cfg)
	c := newAPIClient(t, at.api.String())
	c.mustPost(t, `{ portalSettings { defaultPortalRole { slug } } }`, nil) // provisions the workspace
	return cluster, cfg, c
}

// readiness returns the status of GET /readyz.
func (c *apiClient) readiness(t *testing.T) int {
	t.Helper()
	resp, err := c.HTTP.Get(c.URL + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkRecovery checks the answers of one crash: each a success or an
// INTERNAL or UNAVAILABLE failure that shows nothing of the database, and every request
// that started recoveryLimit after PostgreSQL was back a success.
func checkRecovery(t *testing.T, cycle int, sent []*mutation, back time.Time, port string) {
	t.Helper()
	failed, lastFailure, firstSuccess := 0, time.Duration(-1), time.Duration(-1)
	for _, m := range sent {
		since := m.started.Sub(back)
		switch {
		case m.answer.ok():
			if since >= 0 && firstSuccess < 0 {
				firstSuccess = since
			}
			continue
		case !m.answer.internal():
			t.Errorf("a request failed otherwise than as INTERNAL: %s", m.answer)
		case showsDatabase(m.answer, port):
			t.Errorf("a failure shows the database's error or address: %s", m.answer)
		}
		failed++
		lastFailure = max(lastFailure, since)
		if since >= recoveryLimit {
			t.Errorf("a request started %s after PostgreSQL was back failed: %s", since, m.answer)
		}
	}
	if failed == 0 {
		t.Errorf("no request failed while PostgreSQL was down")
	}
	t.Logf("crash %d: %d mutations, %d failed; the last failure started %s after PostgreSQL was back, the first success %s after",
		cycle, len(sent), failed, lastFailure.Round(time.Millisecond), firstSuccess.Round(time.Millisecond))
}

// showsDatabase reports whether a's body shows what only the log may: the
// database's errors or its address.
func showsDatabase(a *answer, port string) bool {
	for _, leak := range []string{"SQLSTATE", "127.0.0.1", ":" + port, "dial", "refused", "unexpected EOF"} {
		if strings.Contains(string(a.Body), leak) {
			return true
		}
	}
	return false
}

// settledGoroutines returns the number of goroutines once the client's
// idle connections are closed and the number stops falling.
func settledGoroutines(c *apiClient) int {
	c.HTTP.CloseIdleConnections()
	n := goroutines()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		m := goroutines()
		if m >= n {
			return n
		}
		n = m
	}
	return n
}

// goroutines returns the number of goroutines, less pgx's background
// readers: pgx starts one on a connection whose write to PostgreSQL takes
// over 15 ms, as on a loaded machine, and it waits in a read until the
// connection's next use, or its close, which for an idle connection of
// the pool may be minutes later. There is at most one per connection of
// the pool, so it leaks nothing, but it would count as a leftover.
func goroutines() int {
	var profile strings.Builder
	pprof.Lookup("goroutine").WriteTo(&profile, 1)
	n := runtime.NumGoroutine()
	_, stacks, _ := strings.Cut(profile.String(), "\n") // after "goroutine profile: total n"
	for stack := range strings.SplitSeq(stacks, "\n\n") {
		if strings.Contains(stack, "bgreader.(*BGReader).bgRead") {
			readers, _, _ := strings.Cut(stack, " @")
			k, _ := strconv.Atoi(readers)
			n -= k
		}
	}
	return n
}

// checkGoroutines checks that the goroutines come back to want, and shows
// the extra ones when they do not.
func checkGoroutines(t *testing.T, c *apiClient, want int) {
	t.Helper()
	c.HTTP.CloseIdleConnections()
	deadline := time.Now().Add(faultWait)
	for goroutines() > want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := goroutines(); n > want {
		var dump strings.Builder
		pprof.Lookup("goroutine").WriteTo(&dump, 1)
		t.Errorf("%d goroutines after the crashes; want at most the %d before\n%s", n, want, dump.String())
	}
}

// checkWhole checks the contacts in the database at url against what the
// mutations sent: each contact has every phone its mutation sent, the
// contacts of a mutation exist all or none, and those of a mutation that
// succeeded exist.
func checkWhole(t *testing.T, url string, sent []*mutation) {
	t.Helper()
	ctx := context.Background()
	bdb := dbtest.Open(t, db.Open, url)
	var rows []struct {
		ExternalID string   `bun:"external_id"`
		Numbers    []string `bun:"numbers,array"`
	}
	err := bdb.NewRaw(`SELECT c.external_id, array_remove(array_agg(p.number ORDER BY p.number), NULL) AS numbers
		FROM contacts c LEFT JOIN phones p ON p.contact_id = c.id GROUP BY c.external_id`).Scan(ctx, &rows)
	if err != nil {
		t.Fatal(err)
	}
	stored := make(map[string][]string, len(rows))
	for _, r := range rows {
		stored[r.ExternalID] = r.Numbers
	}
	var committed, cut, lostAnswers int
	for _, m := range sent {
		present := 0
		for externalID, numbers := range m.contacts {
			got, ok := stored[externalID]
			if !ok {
				continue
			}
			present++
			if !slices.Equal(got, slices.Sorted(slices.Values(numbers))) {
				t.Errorf("contact %s is half-written: phones %v; want %v", externalID, got, numbers)
			}
		}
		switch {
		case m.answer.unavailable() && present != 0:
			t.Errorf("a mutation answered 503 UNAVAILABLE, to be sent again, but wrote: %v", m.contacts)
		case present != 0 && present != len(m.contacts):
			t.Errorf("%d of the %d contacts of one mutation exist; want all or none", present, len(m.contacts))
		case m.answer.ok() && present == 0:
			t.Errorf("a mutation that succeeded wrote nothing: %v", m.contacts)
		case m.answer.ok():
			committed++
		case present == 0:
			cut++
		default:
			lostAnswers++
		}
	}
	t.Logf("%d mutations committed, %d failed and wrote nothing, %d failed after committing (the answer was lost)", committed, cut, lostAnswers)
}
