package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pinning says which CPUs the servers and the load generator run on, so
// that they share the machine the same way in every run; empty when
// taskset is missing or there is one CPU.
type pinning struct {
	server, loadgen string
}

func choosePinning(cores int) (pinning, string) {
	if _, err := exec.LookPath("taskset"); err != nil {
		return pinning{}, "not pinned: taskset (util-linux) is not installed"
	}
	if cores < 2 {
		return pinning{}, "not pinned: one CPU"
	}
	return pinning{server: "0", loadgen: "1"}, "the server under test on CPU 0, the load generator on CPU 1, PostgreSQL unpinned"
}

// command returns a command that runs on cpus when they are set.
func command(ctx context.Context, cpus, name string, args ...string) *exec.Cmd {
	if cpus != "" {
		args = append([]string{"-c", cpus, name}, args...)
		name = "taskset"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	// The children die with the driver, even when it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return cmd
}

// process is a server the driver started.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string // its output
	url  string // its base URL
	done chan error
}

// startServer starts a server binary with env on a free port and waits
// until path answers 200.
func startServer(ctx context.Context, name, dir, cpus string, env []string, args []string, healthPath string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := command(ctx, cpus, filepath.Join(dir, name), args...)
	cmd.Env = append(append(os.Environ(), env...), "ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// SIGTERM lets the server drain and exit cleanly.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{name: name, cmd: cmd, log: logPath, url: "http://" + addr, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	if err := p.waitHealthy(ctx, healthPath); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *process) waitHealthy(ctx context.Context, path string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.done:
			return fmt.Errorf("%s exited: %v%s", p.name, err, p.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer %s within a minute%s", p.name, path, p.logTail())
}

// stop asks the server to stop and waits for it.
func (p *process) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 30s", p.name)
	}
}

func (p *process) logTail() string {
	b, err := os.ReadFile(p.log)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n" + p.name + " log:\n" + string(b)
}

// pid returns the process id of the server itself, not of taskset, which
// execs it and so keeps the same id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// cpuSeconds returns the CPU time the process has used, from
// /proc/<pid>/stat.
func cpuSeconds(pid int) (float64, error) {
	fields, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	const userHZ = 100
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (utime + stime) / userHZ, nil
}

// treeCPUSeconds returns the CPU time that the process and its children
// have used: PostgreSQL's postmaster and its backends. A child that
// exits meanwhile takes its time with it.
func treeCPUSeconds(pid int) (float64, error) {
	total, err := cpuSeconds(pid)
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fields, err := procStat(child); err == nil && fields[1] == strconv.Itoa(pid) {
			if s, err := cpuSeconds(child); err == nil {
				total += s
			}
		}
	}
	return total, nil
}

// procStat returns the fields of /proc/<pid>/stat after the command
// name: the state first, then the parent's pid.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// The command name may hold spaces; the fields after it do not.
	_, rest, ok := strings.Cut(string(b), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return nil, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, b)
	}
	return fields, nil
}

// memoryMB returns a field of /proc/<pid>/status in MB, such as VmRSS (the
// resident set now) or VmHWM (its peak).
func memoryMB(pid int, field string) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
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
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// sampleRSS records the process's peak resident set until stop is
// closed, and returns it on the channel.
func sampleRSS(pid int, stop <-chan struct{}) <-chan float64 {
	peak := make(chan float64, 1)
	go func() {
		var max float64
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if mb, err := memoryMB(pid, "VmRSS"); err == nil && mb > max {
				max = mb
			}
			select {
			case <-stop:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	return peak
}

// goroutines returns the server's goroutine count from its pprof listener.
func goroutines(pprofURL string) (int, error) {
	resp, err := http.Get(pprofURL + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(io.LimitReader(resp.Body, 200)).ReadString('\n')
	if err != nil {
		return 0, err
	}
	var n int
	if _, err := fmt.Sscanf(line, "goroutine profile: total %d", &n); err != nil {
		return 0, fmt.Errorf("goroutine profile starts %q: %w", line, err)
	}
	return n, nil
}

// settledGoroutines waits until the goroutine count holds still for a
// second (connections closing, timers firing) and returns it.
func settledGoroutines(ctx context.Context, pprofURL string) (int, error) {
	last, same := -1, 0
	for range 100 {
		n, err := goroutines(pprofURL)
		if err != nil {
			return 0, err
		}
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
		if same == 5 {
			break
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return last, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
