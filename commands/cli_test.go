package commands

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/db/localpg"
)

// root is the module's directory: the binary's package, the Makefile and
// docs/ are there.
const root = ".."

// buildServer builds the binary into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command("go", "build", "-o", bin, root).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// jwtPattern matches a signed JWT alone on a line.
var jwtPattern = regexp.MustCompile(`^[\w-]+\.[\w-]+\.[\w-]+\n$`)

func TestCommandLine(t *testing.T) {
	bin := buildServer(t)
	const workspace = "2f1c7a52-8d0e-4e4b-9a51-3f3f0d6f2b10"
	const secret = "JWT_SECRET=0123456789abcdef0123456789abcdef"
	commands := []string{"serve", "dev", "migrate", "token", "apikey", "seed", "check-phones", "help"}
	tests := []struct {
		name       string
		args       []string
		env        []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{"--help lists every command", []string{"--help"}, nil, exitOK, commands, nil},
		{"-h lists every command", []string{"-h"}, nil, exitOK, commands, nil},
		{"help lists every command", []string{"help"}, nil, exitOK, append(commands, "Exit codes", "CORS_ALLOWED_ORIGINS"), nil},
		{"help of a command", []string{"help", "migrate"}, nil, exitOK, []string{"Usage: server migrate", "status"}, nil},
		{"serve --help", []string{"serve", "--help"}, nil, exitOK, []string{"Usage: server serve", "DATABASE_URL", "PLAYGROUND"}, nil},
		{"dev --help", []string{"dev", "--help"}, nil, exitOK, []string{"Usage: server dev", "sample data", "CORS_ALLOWED_ORIGINS"}, nil},
		{"migrate --help", []string{"migrate", "--help"}, nil, exitOK, []string{"Usage: server migrate", "up", "down", "status"}, nil},
		{"migrate up --help", []string{"migrate", "up", "--help"}, nil, exitOK, []string{"Usage: server migrate"}, nil},
		{"token --help", []string{"token", "--help"}, nil, exitOK, []string{"Usage: server token", "-workspace", "-scope", "-ttl"}, nil},
		{"apikey --help", []string{"apikey", "--help"}, nil, exitOK, []string{"Usage: server apikey create", "-workspace", "-name", "-scope", "-ttl"}, nil},
		{"seed --help", []string{"seed", "--help"}, nil, exitOK, []string{"Usage: server seed", "-workspace", "-contacts", "-accounts", "-phones-per-contact", "-tags-per-contact"}, nil},
		{"check-phones --help", []string{"check-phones", "--help"}, nil, exitOK, []string{"Usage: server check-phones", "changes nothing"}, nil},

		{"unknown command", []string{"frobnicate"}, nil, exitUsage, nil, []string{`unknown command "frobnicate"`, "Usage: server"}},
		{"unknown flag", []string{"serve", "--bogus"}, nil, exitUsage, nil, []string{"-bogus", "Usage: server serve"}},
		{"serve takes no argument", []string{"serve", "now"}, nil, exitUsage, nil, []string{`unexpected argument "now"`}},
		{"unknown migrate action", []string{"migrate", "sideways"}, nil, exitUsage, nil, []string{`unknown migrate action "sideways"`}},
		{"migrate takes one action", []string{"migrate", "up", "down"}, nil, exitUsage, nil, []string{`unexpected argument "down"`}},
		{"token without a workspace", []string{"token"}, []string{secret}, exitUsage, nil, []string{"workspace must be a UUID"}},
		{"token with a bad ttl", []string{"token", "--workspace", workspace, "--ttl", "soon"}, []string{secret}, exitUsage, nil, []string{"-ttl"}},
		{"apikey without an action", []string{"apikey", "--workspace", workspace, "--name", "sync"}, nil, exitUsage, nil, []string{"apikey needs the action create"}},
		{"seed without a workspace", []string{"seed"}, nil, exitUsage, nil, []string{"workspace must be a UUID"}},
		{"check-phones takes no argument", []string{"check-phones", "now"}, nil, exitUsage, nil, []string{`unexpected argument "now"`}},

		{"serve without a database", nil, nil, exitFailure, nil, []string{"DATABASE_URL is not set"}},
		{"token without a secret", []string{"token", "--workspace", workspace}, nil, exitFailure, nil, []string{"JWT_SECRET is not set"}},
		{"a bad setting", []string{"serve"}, []string{"PLAYGROUND=maybe"}, exitFailure, nil, []string{"PLAYGROUND must be true or false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runServer(t, bin, tt.args, tt.env)
			if code != tt.wantCode {
				t.Fatalf("server %s: exit code %d; want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), code, tt.wantCode, stdout, stderr)
			}
			mustContain(t, "stdout", stdout, tt.wantStdout)
			mustContain(t, "stderr", stderr, tt.wantStderr)
		})
	}
	t.Run("token prints only a token", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runServer(t, bin, []string{"token", "--workspace", workspace}, []string{secret})
		if code != exitOK || !jwtPattern.MatchString(stdout) {
			t.Fatalf("server token: exit code %d, stdout %q; want 0 and one JWT on a line\nstderr:\n%s", code, stdout, stderr)
		}
	})
}

// TestCommandsUseTheDevelopmentDatabase runs the commands that need a
// database with DATABASE_URL unset: they use the development cluster under
// .data/postgres, start it when it is not running and stop it again, and
// leave one that was running (make run's) running.
func TestCommandsUseTheDevelopmentDatabase(t *testing.T) {
	bin := buildServer(t)
	// Not t.TempDir: as root the server runs as user postgres, which must be
	// able to reach the data dir, and t.TempDir's parent is private.
	dir, err := os.MkdirTemp("", "devdb-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const workspace = "7a0f3c52-8d0e-4e4b-9a51-3f3f0d6f2b10"
	running := func() bool {
		_, err := os.Stat(filepath.Join(dir, ".data", "postgres", "postmaster.pid"))
		return err == nil
	}
	commands := []struct {
		args       []string
		wantStdout string
	}{
		{[]string{"migrate", "up"}, ""},
		{[]string{"migrate", "status"}, "applied"},
		{[]string{"apikey", "create", "--workspace", workspace, "--name", "sync"}, "ck_"},
		{[]string{"seed", "--workspace", workspace, "--contacts", "20", "--accounts", "2"}, "20 contacts"},
	}
	for _, c := range commands {
		code, stdout, stderr := runServerIn(t, dir, bin, c.args, nil)
		if code != exitOK || !strings.Contains(stdout, c.wantStdout) || !strings.Contains(stderr, "using the development database") {
			t.Fatalf("server %s without DATABASE_URL: exit code %d, stdout %q; want 0, %q and a note on the development database\nstderr:\n%s",
				strings.Join(c.args, " "), code, stdout, c.wantStdout, stderr)
		}
		if running() {
			t.Fatalf("server %s left the development PostgreSQL it started running", strings.Join(c.args, " "))
		}
	}

	cluster, err := localpg.Start(t.Context(), filepath.Join(dir, ".data", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	code, _, stderr := runServerIn(t, dir, bin, commands[2].args, nil)
	if code != exitOK || !running() {
		t.Fatalf("server apikey create beside a running development PostgreSQL: exit code %d, still running %v; want 0 and true\nstderr:\n%s", code, running(), stderr)
	}
}

// runServer runs the binary with args and only the environment in env,
// so that the caller's DATABASE_URL or JWT_SECRET cannot change the
// outcome.
func runServer(t *testing.T, bin string, args, env []string) (code int, stdout, stderr string) {
	t.Helper()
	return runServerIn(t, "", bin, args, env)
}

// runServerIn is runServer in the working directory dir.
func runServerIn(t *testing.T, dir, bin string, args, env []string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return exitCodeOf(t, cmd.Run()), out.String(), errOut.String()
}

// exitCodeOf returns the exit code of a finished command.
func exitCodeOf(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("run the binary: %v", err)
	}
	return exit.ExitCode()
}

func mustContain(t *testing.T, stream, got string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", stream, w, got)
		}
	}
}

// settingPattern finds the variables config.go reads.
var settingPattern = regexp.MustCompile(`(?:Getenv|env[A-Z][A-Za-z]*)\("([A-Z0-9_]+)"`)

// TestEverySettingIsDocumented keeps the configuration table of docs/operations.md and the
// help in step with what config.go reads.
func TestEverySettingIsDocumented(t *testing.T) {
	source, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	settings := settingPattern.FindAllStringSubmatch(string(source), -1)
	if len(settings) < 10 {
		t.Fatalf("found %d settings in config.go; want every os.Getenv and envOr call", len(settings))
	}
	for _, m := range settings {
		name := m[1]
		if !strings.Contains(string(readme), "| `"+name+"` |") {
			t.Errorf("docs/operations.md has no row in its configuration table for %s", name)
		}
		if !strings.Contains(environmentHelp, name) {
			t.Errorf("the help's list of settings lacks %s", name)
		}
	}
}

// TestMakeHelp runs a bare make, which lists every target of the Makefile
// with its description.
func TestMakeHelp(t *testing.T) {
	t.Parallel()
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make: %v\n%s", err, out)
	}
	targets := regexp.MustCompile(`(?m)^([a-z-]+):`).FindAllStringSubmatch(string(makefile), -1)
	if len(targets) < 5 {
		t.Fatalf("found %d targets in the Makefile", len(targets))
	}
	for _, m := range targets {
		if !regexp.MustCompile(`(?m)^` + m[1] + `\s+\S`).Match(out) {
			t.Errorf("make (help) lists no description for the target %s:\n%s", m[1], out)
		}
	}
}
