// Package serverproc runs the servers that the benchmarks measure and
// attack as child processes: a built binary on a free port of 127.0.0.1,
// its output in a log file, started when it answers a readiness path and
// stopped with SIGTERM, so that it drains as it does in production.
package serverproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/contacts-api/contacts/db/localpg"
)

// Server says how to start a server.
type Server struct {
	// Name names the server in errors and its log, Dir/Name.log.
	Name, Dir string
	// Binary is the path of the built server; Args its arguments, such as
	// "serve".
	Binary string
	Args   []string
	// Env is added to the environment, with ADDR, the address it must
	// listen on.
	Env []string
	// Ready is the path that answers 200 once the server serves, such as
	// /readyz or /healthz.
	Ready string
	// CPUs pins the server to those CPUs with taskset (see Command); empty
	// leaves it unpinned.
	CPUs string
}

// Process is a started server.
type Process struct {
	cmd  *exec.Cmd
	done chan error
	// Name is the server's name, Addr the address it listens on, URL its
	// base URL, Log the file of its output.
	Name, Addr, URL, Log string
}

// readyWithin is how long a server may take to become ready: a cold
// start migrates its database.
const readyWithin = time.Minute

// Start starts s on a free port and waits until it is ready; when it
// exits first or is not ready in time, the error carries the end of its
// log.
func Start(ctx context.Context, s Server) (*Process, error) {
	port, err := localpg.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := &Process{Name: s.Name, Addr: addr, URL: "http://" + addr, Log: filepath.Join(s.Dir, s.Name+".log"), done: make(chan error, 1)}
	logFile, err := os.Create(p.Log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	p.cmd = Command(ctx, s.CPUs, s.Binary, s.Args...)
	p.cmd.Env = append(append(os.Environ(), s.Env...), "ADDR="+addr)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	// SIGTERM lets the server drain and exit cleanly.
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait() }()
	if err := p.waitReady(ctx, s.Ready); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Process) waitReady(ctx context.Context, path string) error {
	deadline := time.Now().Add(readyWithin)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.URL + path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.done:
			// Stop waits for the exit too.
			p.done <- err
			return fmt.Errorf("%s exited: %v%s", p.Name, err, p.LogTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer %s within %s%s", p.Name, path, readyWithin, p.LogTail())
}

// Stop asks the server to stop and waits for it to exit, killing it after
// 30 s; the error is how it exited.
func (p *Process) Stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 30s", p.Name)
	}
}

// PID is the process id of the server itself, not of taskset, which
// execs it and so keeps the same id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// MemoryMB returns a field of the server's /proc/<pid>/status in MB, such
// as VmRSS (the resident set now) or VmHWM (its peak).
func (p *Process) MemoryMB(field string) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		return kb / 1024, err
	}
	return 0, errors.Join(sc.Err(), fmt.Errorf("no %s in /proc/%d/status", field, p.PID()))
}

// LogTail is the end of the server's log, to show why it failed, on
// lines of its own; empty when the log is.
func (p *Process) LogTail() string {
	b, err := os.ReadFile(p.Log)
	if err != nil || len(b) == 0 {
		return ""
	}
	return "\n" + p.Name + " log:\n" + string(b[max(0, len(b)-2000):])
}

// Command returns a command that runs on cpus when they are set (with
// taskset, which execs it); the child dies with the benchmark, even when
// that is killed.
func Command(ctx context.Context, cpus, name string, args ...string) *exec.Cmd {
	if cpus != "" {
		args = append([]string{"-c", cpus, name}, args...)
		name = "taskset"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return cmd
}

// Build builds pkgs (paths from the module root, such as "." or
// "./bench/loadgen") into dir as a release is built: -trimpath, without the
// race detector. The module root's binary, which go names after the
// module, is called server.
func Build(ctx context.Context, dir string, pkgs ...string) error {
	args := append([]string{"build", "-trimpath", "-o", dir + string(filepath.Separator)}, pkgs...)
	if out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	if !slices.Contains(pkgs, ".") {
		return nil
	}
	return os.Rename(filepath.Join(dir, "contacts"), filepath.Join(dir, "server"))
}
