package localpg_test

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/localpg"
)

// started starts a cluster with start, skipping the test where PostgreSQL
// is not installed, and stops it when the test ends unless the test set
// *stopped, having stopped it itself.
func started(t *testing.T, start func() (*localpg.Cluster, error)) (c *localpg.Cluster, stopped *bool) {
	t.Helper()
	c, err := start()
	skipIfNotInstalled(t, err)
	if err != nil {
		t.Fatal(err)
	}
	stopped = new(bool)
	t.Cleanup(func() {
		if !*stopped {
			_ = c.Stop()
		}
	})
	return c, stopped
}

// skipIfNotInstalled skips the test on a developer machine without
// PostgreSQL, but not in CI, where missing binaries are a setup bug.
func skipIfNotInstalled(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, localpg.ErrNotInstalled) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
}

func dial(port int) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

func TestStartThrowaway(t *testing.T) {
	ctx := t.Context()
	c, stopped := started(t, func() (*localpg.Cluster, error) {
		return localpg.StartThrowaway(ctx, localpg.Setting{Name: "work_mem", Value: "7MB"})
	})

	if err := dial(c.Port); err != nil {
		t.Fatalf("server does not accept TCP connections: %v", err)
	}
	if got, want := c.URL("app"), "postgres://postgres@127.0.0.1:"+strconv.Itoa(c.Port)+"/app?sslmode=disable"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if err := c.CreateDatabase(ctx, "app", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "app_copy", "app"); err != nil {
		t.Fatal(err)
	}
	// Failing to create it again shows the first call really created it.
	if err := c.CreateDatabase(ctx, "app", ""); err == nil {
		t.Error("creating database app twice succeeded")
	}
	if got := show(t, c.URL("app"), "work_mem"); got != "7MB" {
		t.Errorf("work_mem = %q, want the 7MB given as a setting", got)
	}

	*stopped = true
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data dir %s still there after Stop (stat error: %v)", c.Dir, err)
	}
	if err := dial(c.Port); err == nil {
		t.Errorf("port %d still accepts connections after Stop", c.Port)
	}
}

// show returns the value of a server setting.
func show(t *testing.T, url, name string) string {
	t.Helper()
	bdb, err := db.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var value string
	if err := bdb.QueryRowContext(t.Context(), "SHOW "+name).Scan(&value); err != nil {
		t.Fatal(err)
	}
	return value
}

func TestStartThrowawayRefusesMalformedSettings(t *testing.T) {
	for _, s := range []localpg.Setting{
		{Name: "work mem", Value: "4MB"},
		{Name: "search_path", Value: "a' -c fsync='on"},
		{Name: "", Value: "x"},
	} {
		if c, err := localpg.StartThrowaway(t.Context(), s); err == nil {
			c.Stop()
			t.Errorf("StartThrowaway accepted the setting %+v", s)
		}
	}
}

func TestStartReusesRunningServer(t *testing.T) {
	ctx := t.Context()
	// Not t.TempDir: as root the server runs as user postgres, which must be
	// able to reach the data dir, and t.TempDir's parent is private.
	base, err := os.MkdirTemp("", "localpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data", "postgres")

	first, stopped := started(t, func() (*localpg.Cluster, error) { return localpg.Start(ctx, dir) })

	second, err := localpg.Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if second.Port != first.Port {
		t.Errorf("second Start uses port %d, want the running server's %d", second.Port, first.Port)
	}
	if first.Reused || !second.Reused {
		t.Errorf("Reused: first Start %v, second %v; want false, then true", first.Reused, second.Reused)
	}
	if err := second.CreateDatabase(ctx, "reused", ""); err != nil {
		t.Fatal(err)
	}

	*stopped = true
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	// Unlike a throwaway cluster, a persistent one keeps its data.
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Errorf("persistent cluster lost its data after Stop: %v", err)
	}
	if err := dial(first.Port); err == nil {
		t.Errorf("port %d still accepts connections after Stop", first.Port)
	}
}

func TestCrashAndRestart(t *testing.T) {
	ctx := t.Context()
	c, _ := started(t, func() (*localpg.Cluster, error) {
		return localpg.StartThrowaway(ctx, localpg.Setting{Name: "work_mem", Value: "7MB"})
	})
	if err := c.CreateDatabase(ctx, "app", ""); err != nil {
		t.Fatal(err)
	}

	if err := c.Crash(); err != nil {
		t.Fatal(err)
	}
	if err := dial(c.Port); err == nil {
		t.Fatalf("port %d still accepts connections after Crash", c.Port)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := show(t, c.URL("app"), "work_mem"); got != "7MB" {
		t.Errorf("after Restart, work_mem = %q in database app; want the same port, data and settings (7MB)", got)
	}
}
