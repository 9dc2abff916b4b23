package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
)

// artifactDir keeps what the browser tests leave to look at; git ignores it.
const artifactDir = "testdata/artifacts"

// browserNames are contacts the playground must show after Run.
var browserNames = []string{"Ada Lovelace", "Grace Hopper", "Alan Turing"}

// TestPlaygroundInABrowser opens the playground in headless Chromium the
// way a developer does under `make run`, presses Run and waits for the
// workspace's contacts in the result pane. It fails when the page asks
// any host but the server for anything.
func TestPlaygroundInABrowser(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	ws := uuid.New()
	token := graphtest.MintToken(t, ws, auth.ScopeRead+" "+auth.ScopeWrite)
	h := graphtest.NewHandlerWith(t, httpapi.Options{Playground: true, PlaygroundToken: token})
	c := graphtest.NewClientWith(t, h, ws, auth.ScopeRead+" "+auth.ScopeWrite)
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	for _, name := range browserNames {
		c.CreateContact(map[string]any{"name": name, "accountId": account,
			"phones": []map[string]any{{"number": "+14155550123", "type": "MOBILE"}}})
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := newBrowser(t, chromium)
	defer cancel()
	seen, err := watchBrowser(ctx)
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		waitForResult(browserNames...),
	)
	// The screenshot shows what went wrong too, so it is taken either way.
	if shot, shotErr := chromedp.Run(ctx, chromedp.CaptureScreenshot()); shotErr == nil {
		saveArtifact(t, "playground.png", shot)
	}
	if err != nil {
		t.Fatalf("the playground did not show the contacts after Run: %v\nconsole: %s", err, seen.consoleText())
	}
	seen.check(t, srv.URL, token)
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
// texts. It reads the pane's CodeMirror editor, which puts only the lines
// in view into the page.
func waitForResult(texts ...string) chromedp.Action[chromedp.Void] {
	want, _ := json.Marshal(texts)
	script := fmt.Sprintf(`(() => {
		const pane = document.querySelector('.graphiql-response .CodeMirror');
		const text = pane && pane.CodeMirror ? pane.CodeMirror.getValue() : '';
		return %s.every((s) => text.includes(s));
	})()`, want)
	return chromedp.Poll[chromedp.Void](script, chromedp.WithPollingTimeout(30*time.Second))
}

// browserLog is what the page did: the requests it made and what it
// reported on the console.
type browserLog struct {
	mu       sync.Mutex
	requests []*network.Request
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

// check fails the test for every request that went anywhere but origin,
// for console errors, and when no GraphQL request carried the token.
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
	for _, line := range b.console {
		t.Errorf("browser console: %s", line)
	}
	t.Logf("the page made %d requests (test server %s); %d to /graphql carried the token", len(b.requests), origin, authorized)
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
