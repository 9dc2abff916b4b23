// Package localpg runs a private PostgreSQL server from the machine's own
// binaries (initdb, pg_ctl), so that tests and the dev server need no
// database set up by hand: tests get a throwaway cluster in a temp dir, the
// dev server a persistent one that is reused across runs.
package localpg

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotInstalled is returned by Start and StartThrowaway when initdb or
// pg_ctl cannot be found. Its message tells the user what to do; callers may
// test for it with errors.Is, e.g. to skip tests on machines without
// PostgreSQL.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found; " +
	"install them with: apt-get install postgresql (Debian/Ubuntu) or your system's postgresql server package, " +
	"or set DATABASE_URL / TEST_DATABASE_URL to an existing server")

// startTimeout bounds how long we wait for a server to accept connections.
const startTimeout = 30 * time.Second

// serverUser is the account the server runs as when we are root, because
// PostgreSQL refuses to run as root; Debian's postgresql package creates it.
const serverUser = "postgres"

// Cluster is a running PostgreSQL server owned by this process.
type Cluster struct {
	// Dir is the absolute path of the data directory. The server log is
	// Dir/postgres.log.
	Dir string
	// Port is the TCP port the server listens on at 127.0.0.1.
	Port int
	// Reused is true when Start found the server already running from Dir,
	// started by another process that may still be using it.
	Reused bool

	bin       string              // directory holding initdb, pg_ctl and createdb
	opts      []string            // the server options it was started with
	cred      *syscall.Credential // non-nil when root: commands run as serverUser
	home      string              // HOME for commands run as serverUser
	removeDir bool                // Stop removes Dir: it is a throwaway temp dir
}

// Start initialises dir with initdb when it holds no cluster yet, then starts
// the server on 127.0.0.1 at a free TCP port, or reuses a server already
// running from dir, and waits until it accepts connections. The cluster
// outlives the process unless Stop is called, so a later Start reuses it.
//
// When running as root, the server runs as the postgres system user: dir is
// chowned to it, and every parent of dir must be searchable by it.
func Start(ctx context.Context, dir string) (*Cluster, error) {
	return start(ctx, dir, false, nil)
}

// Setting is a server configuration parameter given at start, as
// `postgres -c Name=Value` would; some, such as shared_preload_libraries,
// can be set no other way.
type Setting struct {
	Name, Value string
}

var settingName = regexp.MustCompile(`^[a-z_][a-z0-9_.]*$`)

// check refuses what the server's command line could misread: the options
// pass through pg_ctl and a shell.
func (s Setting) check() error {
	if !settingName.MatchString(s.Name) || strings.ContainsAny(s.Value, `'\`) {
		return fmt.Errorf("localpg: setting %s=%q: names are lowercase words, values may not hold quotes or backslashes", s.Name, s.Value)
	}
	return nil
}

func (s Setting) option() string {
	return "-c " + s.Name + "='" + s.Value + "'"
}

// StartThrowaway starts a server in a new temp dir, trading durability for
// speed (no fsync); Stop removes the dir. It is meant for tests and
// benchmarks.
func StartThrowaway(ctx context.Context, settings ...Setting) (*Cluster, error) {
	for _, s := range settings {
		if err := s.check(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "localpg-")
	if err != nil {
		return nil, err
	}
	c, err := start(ctx, dir, true, settings)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	c.removeDir = true
	return c, nil
}

// URL returns a connection string for database dbname as the superuser
// postgres, which needs no password (the cluster trusts local connections).
func (c *Cluster) URL(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, dbname)
}

// CreateDatabase creates database name as a copy of template, or of the
// default template1 when template is empty. It runs createdb because this
// package deliberately uses no Go PostgreSQL driver.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres"}
	if template != "" {
		args = append(args, "-T", template)
	}
	// "--" keeps a name starting with "-" from being read as an option.
	return c.run(ctx, "createdb", append(args, "--", name)...)
}

// Stop stops the server (fast shutdown: open sessions are rolled back) and
// waits for it to exit. For a throwaway cluster it also removes Dir.
func (c *Cluster) Stop() error {
	err := c.run(context.Background(), "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w")
	if c.removeDir {
		err = errors.Join(err, os.RemoveAll(c.Dir))
	}
	return err
}

// Crash stops the server as a crash would (immediate shutdown: no
// checkpoint, every session cut at once) and waits for it to exit. The
// data stays, for Restart.
func (c *Cluster) Crash() error {
	return c.run(context.Background(), "pg_ctl", "stop", "-D", c.Dir, "-m", "immediate", "-w")
}

// Restart starts a stopped server again, on its port and with its
// settings, and waits until it accepts connections, its crash recovery
// done.
func (c *Cluster) Restart(ctx context.Context) error {
	return c.startServer(ctx, c.Port, c.opts)
}

func start(ctx context.Context, dir string, throwaway bool, settings []Setting) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if err := c.useServerUser(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}

	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		args := []string{"-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"}
		if throwaway {
			args = append(args, "--no-sync")
		}
		if err := c.run(ctx, "initdb", args...); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}

	// A stale postmaster.pid makes status fail; pg_ctl start then copes with it.
	if _, err := os.Stat(c.pidFile()); err == nil && c.run(ctx, "pg_ctl", "status", "-D", dir) == nil {
		if c.Port, err = c.waitReady(ctx); err != nil {
			return nil, err
		}
		c.Reused = true
		return c, nil
	}

	var opts []string
	if throwaway {
		opts = []string{"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"}
	}
	for _, s := range settings {
		opts = append(opts, s.option())
	}
	// The free port may be taken between probing and binding it; one retry
	// with a fresh port makes that race harmless in practice.
	for attempt := 1; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		err = c.startServer(ctx, port, opts)
		if err == nil {
			c.Port, c.opts = port, opts
			return c, nil
		}
		if attempt == 2 || ctx.Err() != nil {
			return nil, err
		}
	}
}

// findBinaries returns the directory holding initdb and pg_ctl: the one of
// the initdb on PATH (through symlinks, since Debian keeps the real binaries
// in a versioned directory), else the newest /usr/lib/postgresql/<ver>/bin.
func findBinaries() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(bin string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(bin)), 64)
		return v
	}
	slices.SortFunc(versioned, func(a, b string) int { return cmp.Compare(version(b), version(a)) })
	for _, d := range append(dirs, versioned...) {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func isExecutable(path string) bool {
	_, err := exec.LookPath(path)
	return err == nil
}

// useServerUser makes commands run as serverUser, because initdb, pg_ctl and
// postgres all refuse to run as root.
func (c *Cluster) useServerUser() error {
	u, err := user.Lookup(serverUser)
	if err != nil {
		return fmt.Errorf("running as root, but PostgreSQL refuses to run as root and the %q system user to run it as is missing; "+
			"install the postgresql package, which creates it: %w", serverUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return err
	}
	c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	c.home = u.HomeDir
	return nil
}

// prepareDir creates the data directory with the 0700 mode PostgreSQL
// insists on, owned by the user the server runs as.
func (c *Cluster) prepareDir() error {
	// Parents we create must stay searchable by the server user.
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(c.Dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if c.cred == nil {
		return nil
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return err
	}
	// Skip the walk when the owner is right already: a running server may be
	// creating and deleting files underneath it.
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == c.cred.Uid {
		return nil
	}
	return filepath.WalkDir(c.Dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(c.cred.Uid), int(c.cred.Gid))
	})
}

// startServer starts the server on port and waits until it accepts
// connections.
func (c *Cluster) startServer(ctx context.Context, port int, extraOpts []string) error {
	// Unix sockets are disabled: socket paths are limited to about 100 bytes,
	// which a data dir deep in a repo can exceed, and TCP serves every client.
	opts := append([]string{
		"-c listen_addresses=127.0.0.1",
		"-c port=" + strconv.Itoa(port),
		"-c unix_socket_directories=''",
		"-c max_connections=200",
		"-c shared_buffers=128MB",
	}, extraOpts...)
	err := c.run(ctx, "pg_ctl", "start", "-D", c.Dir, "-l", c.logFile(),
		"-w", "-t", strconv.Itoa(int(startTimeout/time.Second)), "-o", strings.Join(opts, " "))
	if err != nil {
		return fmt.Errorf("%w%s", err, c.logTail())
	}
	return nil
}

// waitReady waits until the server running from Dir accepts connections and
// returns its port, both read from postmaster.pid as pg_ctl itself does.
func (c *Cluster) waitReady(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		// Lines 4 and 8 hold the port and the status.
		data, err := os.ReadFile(c.pidFile())
		if err == nil {
			if lines := strings.Split(string(data), "\n"); len(lines) >= 8 && strings.TrimSpace(lines[7]) == "ready" {
				return strconv.Atoi(strings.TrimSpace(lines[3]))
			}
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for the server running from %s: %w%s", c.Dir, ctx.Err(), c.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// run runs a program from the PostgreSQL bin dir, as serverUser when root,
// and returns an error holding its output when it fails.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	// A working directory the server user can enter; ours may not be.
	cmd.Dir = filepath.Dir(c.Dir)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(os.Environ(), "HOME="+c.home)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		if c.cred != nil {
			err = fmt.Errorf("%w (running as user %s in %s)", err, serverUser, cmd.Dir)
		}
		err = fmt.Errorf("%s: %w", strings.Join(cmd.Args, " "), err)
		if out := strings.TrimSpace(string(out)); out != "" {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		return err
	}
	return nil
}

// FreePort returns a TCP port of 127.0.0.1 that nothing listens on now,
// for a cluster or a server to take.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) pidFile() string { return filepath.Join(c.Dir, "postmaster.pid") }

func (c *Cluster) logFile() string { return filepath.Join(c.Dir, "postgres.log") }

// logTail returns the end of the server log for error messages, since the
// reason a server failed to start is only written there.
func (c *Cluster) logTail() string {
	data, err := os.ReadFile(c.logFile())
	if err != nil || len(data) == 0 {
		return ""
	}
	const tailLen = 2000
	if len(data) > tailLen {
		data = data[len(data)-tailLen:]
	}
	return fmt.Sprintf("\nend of %s:\n%s", c.logFile(), strings.TrimSpace(string(data)))
}
