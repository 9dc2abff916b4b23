package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/live"
)

// artifactDir keeps what the browser tests leave to look at; git ignores it.
const artifactDir = "testdata/artifacts"

// browserNames are contacts the playground must show after Run.
var browserNames = []string{"Ada Lovelace", "Grace Hopper", "Alan Turing"}

// TestPlaygroundInABrowser opens the playground in headless Chromium the
// way a developer does under `make run`, presses Run and waits for the
// workspace's contacts in the result pane; then it runs a subscription
// and waits for the event of a contact created meanwhile. It fails when
// the page asks any host but the server for anything.
func TestPlaygroundInABrowser(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	ws := uuid.New()
	token := graphtest.MintToken(t, ws, auth.ScopeRead+" "+auth.ScopeWrite)
	url := graphtest.ServeLiveWith(t, live.Limits{}, httpapi.Options{Playground: true, PlaygroundToken: token})
	c := &graphtest.Client{T: t, URL: url, Token: token, Workspace: ws}
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	for _, name := range browserNames {
		c.CreateContact(map[string]any{"name": name, "accountId": account,
			"phones": []map[string]any{{"number": "+14155550123", "type": "MOBILE"}}})
	}

	ctx, cancel := newBrowser(t, chromium)
	defer cancel()
	seen, err := watchBrowser(ctx)
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	what := "show the contacts after Run"
	err = chromedp.Do(ctx,
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		waitForResult(30*time.Second, browserNames...),
	)
	if err == nil {
		what = "show a subscription's events"
		err = showEvents(ctx, c)
	}
	// The screenshot shows what went wrong too, so it is taken either way.
	if shot, shotErr := chromedp.Run(ctx, chromedp.CaptureScreenshot()); shotErr == nil {
		saveArtifact(t, "playground.png", shot)
	}
	if err != nil {
		t.Fatalf("the playground did not %s: %v\nconsole: %s", what, err, seen.consoleText())
	}
	seen.check(t, url, token)
}

// liveQuery is the subscription the browser test runs in the playground.
const liveQuery = `subscription { changes(types: [CONTACT_CREATED]) { type recordId } }`

// showEvents runs liveQuery in the playground's editor, creates contacts
// through c, and waits until the result pane shows their events. The page
// cannot tell when the server has started the subscription, and it misses
// what was written before: so a contact is created again until its event
// arrives. Then one more contact's must arrive too: a subscription goes
// on, where a fetcher that sent it as a plain request would have ended
// with the first.
func showEvents(ctx context.Context, c *graphtest.Client) error {
	query, _ := json.Marshal(liveQuery)
	const editor = `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror`
	err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`%s.setValue(%s)`, editor, query)),
		// GraphiQL parses the document a moment after an edit, and tells
		// its fetcher a subscription by the parsed document.
		chromedp.Poll[chromedp.Void](editor+`.documentAST?.definitions[0]?.operation === 'subscription'`,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
	)
	if err != nil {
		return err
	}
	create := func(i int) string { return c.CreateContact(map[string]any{"name": fmt.Sprintf("Live %d", i)}).ID }
	for i := range 10 {
		err = chromedp.Do(ctx, waitForResult(3*time.Second, "CONTACT_CREATED", create(i)))
		if err == nil {
			if err = chromedp.Do(ctx, waitForResult(10*time.Second, "CONTACT_CREATED", create(i+1))); err != nil {
				return fmt.Errorf("the first event arrived, the next did not: %w", err)
			}
			return nil
		}
		if !errors.Is(err, chromedp.ErrPollingTimeout) {
			return err
		}
	}
	return fmt.Errorf("the events of 10 contacts created in turn did not reach the result pane: %w", err)
}

// findChromium returns the browser's path. Without one the test is
// skipped on a developer's machine, but fails in CI, which must run it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	graphtest.Missing(t, "Chromium is not installed: scripts/ensure-chromium.sh (run by make test) installs Debian's chromium package", "the browser test")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile that can
// reach no host but this machine.
func newBrowser(t *testing.T, path string) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A request to another host fails at once instead of waiting on
		// the network; the test reports it either way.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() { cancelTimeout(); cancelBrowser(); cancelAlloc() }
}

// waitForResult waits until GraphiQL's result pane holds every one of
// texts, for at most within. It reads the pane's CodeMirror editor, which puts only the lines
// in view into the page.
func waitForResult(within time.Duration, texts ...string) chromedp.Action[chromedp.Void] {
	want, _ := json.Marshal(texts)
	script := fmt.Sprintf(`(() => {
		const pane = document.querySelector('.graphiql-response .CodeMirror');
		const text = pane && pane.CodeMirror ? pane.CodeMirror.getValue() : '';
		return %s.every((s) => text.includes(s));
	})()`, want)
	return chromedp.Poll[chromedp.Void](script, chromedp.WithPollingTimeout(within))
}

// browserLog is what the page did: the requests it made, the WebSockets
// it opened and what it sent on them, and what it reported on the console.
type browserLog struct {
	mu       sync.Mutex
	requests []*network.Request
	sockets  []string
	sent     []string
	console  []string
}

// watchBrowser starts the browser and records the page's requests and
// console errors from then on.
func watchBrowser(ctx context.Context) (*browserLog, error) {
	b := &browserLog{}
	err := chromedp.Listen(ctx, b.record)
	if err == nil {
		_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	}
	return b, err
}

// record keeps an event of the page; it runs in chromedp's reading loop,
// so it only appends.
func (b *browserLog) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request)
	case *network.EventWebSocketCreated:
		b.sockets = append(b.sockets, ev.URL)
	case *network.EventWebSocketFrameSent:
		b.sent = append(b.sent, string(ev.Response.PayloadData))
	case *runtime.EventExceptionThrown:
		b.console = append(b.console, fmt.Sprintf("exception: %s %s", ev.ExceptionDetails.Text, describe(ev.ExceptionDetails.Exception)))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, describe(a))
			}
			b.console = append(b.console, "console.error: "+strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.console = append(b.console, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// describe returns a JavaScript value as the console would show it.
func describe(o *runtime.RemoteObject) string {
	switch {
	case o == nil:
		return ""
	case len(o.Value) > 0:
		return string(o.Value)
	}
	return o.Description
}

func (b *browserLog) consoleText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.console, "\n")
}

// check fails the test for every request or WebSocket that went anywhere
// but origin, for console errors, and when no GraphQL request, or no
// WebSocket's connection_init, carried the token.
func (b *browserLog) check(t *testing.T, origin, token string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	authorized := 0
	for _, r := range b.requests {
		switch {
		case strings.HasPrefix(r.URL, "data:"):
		case !strings.HasPrefix(r.URL, origin+"/"):
			t.Errorf("the page requested %s; want no request outside the test server %s", r.URL, origin)
		case strings.HasPrefix(r.URL, origin+"/graphql") && headerValue(r.Headers, "Authorization") == "Bearer "+token:
			authorized++
		}
	}
	if authorized == 0 {
		t.Errorf("no request to /graphql carried the playground's token; requests: %d", len(b.requests))
	}
	socketOrigin := "ws" + strings.TrimPrefix(origin, "http")
	for _, url := range b.sockets {
		if url != socketOrigin+"/graphql" {
			t.Errorf("the page opened a WebSocket to %s; want %s/graphql", url, socketOrigin)
		}
	}
	if !slices.ContainsFunc(b.sent, func(frame string) bool { return isInitWith(frame, token) }) {
		t.Errorf("no WebSocket's connection_init carried the playground's token; frames sent: %q", b.sent)
	}
	for _, line := range b.console {
		t.Errorf("browser console: %s", line)
	}
	t.Logf("the page made %d requests (test server %s); %d to /graphql carried the token", len(b.requests), origin, authorized)
}

// isInitWith reports whether frame is graphql-transport-ws's
// connection_init with token as the bearer token of its payload.
func isInitWith(frame, token string) bool {
	var m struct {
		Type    string
		Payload struct{ Authorization string }
	}
	return json.Unmarshal([]byte(frame), &m) == nil && m.Type == "connection_init" && m.Payload.Authorization == "Bearer "+token
}

// headerValue returns a header of a request as DevTools reports it.
func headerValue(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// saveArtifact writes a file for people to look at after the test.
func saveArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(artifactDir, 0o755); err != nil {
		t.Errorf("artifact %s: %v", name, err)
		return
	}
	path, _ := filepath.Abs(filepath.Join(artifactDir, name))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Errorf("artifact %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", path)
}
