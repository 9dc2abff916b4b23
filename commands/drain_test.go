package commands

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// serverProcess is the server binary, running in a process of its own.
type serverProcess struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // how it exited, once exited is closed
	mu     sync.Mutex
	log    []map[string]any
}

// startProcess runs the binary's serve command with env and waits until
// it listens; it is killed if it still runs when the test ends.
func startProcess(t *testing.T, bin string, env ...string) (*serverProcess, string) {
	t.Helper()
	p := &serverProcess{cmd: exec.Command(bin, "serve"), exited: make(chan struct{})}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logged := make(chan struct{})
	go func() {
		p.readLog(stderr)
		close(logged)
	}()
	go func() {
		<-logged // Wait closes the pipe: read it to its end first
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	serving := p.waitLog(t, "serving")
	return p, serving["addr"].(string)
}

// readLog keeps the process's JSON log lines.
func (p *serverProcess) readLog(r io.Reader) {
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		var entry map[string]any
		if json.Unmarshal(lines.Bytes(), &entry) != nil {
			entry = map[string]any{"msg": lines.Text()}
		}
		p.mu.Lock()
		p.log = append(p.log, entry)
		p.mu.Unlock()
	}
}

// waitLog waits for the log line whose message is msg, and returns it.
func (p *serverProcess) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(faultWait); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		p.mu.Lock()
		for _, entry := range p.log {
			if entry["msg"] == msg {
				p.mu.Unlock()
				return entry
			}
		}
		p.mu.Unlock()
		select {
		case <-p.exited:
			t.Fatalf("the server exited (%v) before logging %q:\n%s", p.err, msg, p.logText())
		default:
		}
	}
	t.Fatalf("the server did not log %q within %s:\n%s", msg, faultWait, p.logText())
	return nil
}

func (p *serverProcess) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, entry := range p.log {
		line, _ := json.Marshal(entry)
		b.Write(append(line, '\n'))
	}
	return b.String()
}

var waitingPattern = regexp.MustCompile(`(?m)^graphql_requests_waiting (\d+)$`)

// waiting returns how many of the server's requests wait for their turn
// to run, from the metrics at metricsAddr.
func (c *apiClient) waiting(t *testing.T, metricsAddr string) int {
	t.Helper()
	resp, err := c.HTTP.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := waitingPattern.FindSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics has no graphql_requests_waiting:\n%s", body)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestSIGTERMDrainsMutations sends SIGTERM to the server binary while 50
// createContact mutations are in flight: half create contacts in an
// account whose lock the test releases after the signal, half in one it
// holds until the server has exited. The server must refuse new
// connections at once, answer every mutation (a success or INTERNAL) and
// exit within SHUTDOWN_TIMEOUT, leaving no statement waiting in
// PostgreSQL; every mutation must have committed whole (with its 3
// phones) when it succeeded, and written nothing when it failed. (One cut
// while it waited for its turn to run is told SERVER_BUSY: it never ran.)
func TestSIGTERMDrainsMutations(t *testing.T) {
	t.Parallel()
	const drain, mutations = 3 * time.Second, 50
	dbURL := dbtest.EmptyDatabase(t)
	server, addr := startProcess(t, buildServer(t),
		"DATABASE_URL="+dbURL, "ADDR=127.0.0.1:0", "JWT_SECRET="+string(graphtest.Secret),
		"SHUTDOWN_TIMEOUT="+drain.String(), "STATEMENT_TIMEOUT=1m", "METRICS_ADDR=127.0.0.1:0")
	metricsAddr := server.waitLog(t, "serving metrics")["addr"].(string)
	c := newAPIClient(t, addr)
	accounts := []string{c.createAccount(t, "Released"), c.createAccount(t, "Held")}
	bdb, err := db.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	released, held := dbtest.LockRow(t, bdb, "accounts", accounts[0]), dbtest.LockRow(t, bdb, "accounts", accounts[1])

	answers := make([]*answer, mutations)
	var sent sync.WaitGroup
	for i := range mutations {
		sent.Go(func() {
			answers[i] = c.post(context.Background(), `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`,
				map[string]any{"input": drainedContact(i, accounts[i%2])})
		})
	}
	// In flight: each waits for a lock in PostgreSQL, or for its turn
	// while the others hold every connection of the pool.
	for deadline := time.Now().Add(faultWait); released.Waiters(t)+held.Waiters(t)+c.waiting(t, metricsAddr) < mutations; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the %d mutations are not all in flight after %s", mutations, faultWait)
		}
	}

	signalled := time.Now()
	if err := server.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	server.waitLog(t, "shutting down: draining in-flight requests")
	checkRefused(t, addr)
	released.Release()
	select {
	case <-server.exited:
	case <-time.After(drain + faultWait):
		t.Fatalf("the server still runs %s after SIGTERM; want it to exit within SHUTDOWN_TIMEOUT (%s)", drain+faultWait, drain)
	}
	exitedAfter := time.Since(signalled)
	sent.Wait()
	if left := held.Waiters(t); left > 0 {
		t.Errorf("%d statements of the server still wait in PostgreSQL after it exited", left)
	}
	held.Release()
	if exitedAfter > drain+time.Second {
		t.Errorf("the server exited %s after SIGTERM; want it within SHUTDOWN_TIMEOUT (%s)", exitedAfter, drain)
	}
	committed := checkDrained(t, bdb, answers)
	t.Logf("exited %s after SIGTERM (%v); %d mutations committed, %d wrote nothing", exitedAfter.Round(time.Millisecond), server.err, committed, mutations-committed)
}

// createAccount creates an account and returns its id.
func (c *apiClient) createAccount(t *testing.T, name string) string {
	t.Helper()
	var created struct {
		CreateAccount struct{ Account struct{ ID string } }
	}
	data := c.mustPost(t, `mutation($name: String!) { createAccount(input: {name: $name}) { account { id } } }`, map[string]any{"name": name})
	if err := json.Unmarshal(data, &created); err != nil {
		t.Fatal(err)
	}
	return created.CreateAccount.Account.ID
}

// drainedContact is the input of mutation i of TestSIGTERMDrainsMutations:
// a contact with 3 phones in account.
func drainedContact(i int, account string) map[string]any {
	var phones []map[string]any
	for p := range 3 {
		phones = append(phones, map[string]any{"number": fmt.Sprintf("+1415555%02d%02d", i, p)})
	}
	return map[string]any{"externalId": fmt.Sprint("drain-", i), "name": fmt.Sprint("Drain ", i), "accountId": account, "phones": phones}
}

// checkRefused checks that new connections to addr are refused, within a
// second of the server's saying that it shuts down (the time for it to
// close its listener): never accepted and left waiting.
func checkRefused(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		switch {
		case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
			// Reset: the dial reached the listener's queue as it closed, and
			// the kernel dropped it there; the server accepted nothing.
			return
		case err != nil:
			t.Errorf("a new connection after SIGTERM: %v; want it refused at once", err)
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Error("a second after SIGTERM the server still accepts new connections; want them refused")
			return
		}
	}
}

// busy reports whether the request was refused with SERVER_BUSY.
func (a *answer) busy() bool {
	return a.err == nil && a.Status == http.StatusServiceUnavailable && len(a.Errors) == 1 &&
		a.Errors[0].Extensions["code"] == graph.CodeServerBusy
}

// checkDrained checks each mutation of TestSIGTERMDrainsMutations against
// the database, and returns how many committed.
func checkDrained(t *testing.T, bdb *bun.DB, answers []*answer) int {
	t.Helper()
	committed := 0
	for i, a := range answers {
		var phones int
		err := bdb.QueryRowContext(context.Background(), `SELECT count(p.id) FROM contacts c LEFT JOIN phones p ON p.contact_id = c.id
			WHERE c.external_id = ? AND c.account_id IS NOT NULL GROUP BY c.id`, fmt.Sprint("drain-", i)).Scan(&phones)
		exists := err == nil
		if err != nil && !db.IsNoRows(err) {
			t.Fatal(err)
		}
		switch {
		case a.ok() && (!exists || phones != 3):
			t.Errorf("mutation %d succeeded, but its contact exists: %v, with %d phones; want it with 3", i, exists, phones)
		case a.ok():
			committed++
		case a.busy() && exists:
			t.Errorf("mutation %d was told %s, but its contact exists", i, graph.CodeServerBusy)
		case !a.internal() && !a.busy():
			t.Errorf("mutation %d got %s; want a success, INTERNAL, or %s (cut while it waited for its turn)", i, a, graph.CodeServerBusy)
		case exists:
			t.Errorf("mutation %d failed (%s), but its contact exists with %d phones; want nothing written", i, a, phones)
		}
	}
	return committed
}
