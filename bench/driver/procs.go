package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/contacts-api/contacts/bench/serverproc"
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

// startServer starts the server binary name of dir with env on cpus and
// waits until path answers 200.
func startServer(ctx context.Context, name, dir, cpus string, env []string, args []string, path string) (*serverproc.Process, error) {
	return serverproc.Start(ctx, serverproc.Server{
		Name: name, Dir: dir, Binary: filepath.Join(dir, name), Args: args, Env: env, Ready: path, CPUs: cpus,
	})
}

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

// sampleRSS records the process's peak resident set until stop is
// closed, and returns it on the channel.
func sampleRSS(p *serverproc.Process, stop <-chan struct{}) <-chan float64 {
	peak := make(chan float64, 1)
	go func() {
		var max float64
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if mb, err := p.MemoryMB("VmRSS"); err == nil && mb > max {
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
