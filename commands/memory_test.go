package commands

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// residentBytes returns the resident memory of the process pid, from
// /proc.
func residentBytes(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(status) {
		if kb, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(kb), []byte("kB")))), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS of %d: %v", pid, err)
			}
			return n << 10
		}
	}
	t.Fatalf("/proc/%d/status has no VmRSS", pid)
	return 0
}

// TestSlowBodiesHoldNoMemory opens 1,000 connections to the server binary
// that each declare a body of 2 MiB and send one byte, half without a
// token and half with one. The server's memory must not follow the
// declared lengths: its resident memory grows by less than 64 MB, the
// connections without a token are refused without their bodies, and a
// normal request meanwhile answers in under 100 ms (at best of several,
// on a machine not so busy that it takes over 50 ms alone).
func TestSlowBodiesHoldNoMemory(t *testing.T) {
	t.Parallel()
	const connections, declared = 1000, 2 << 20
	const maxGrowth, maxLatency = 64 << 20, 100 * time.Millisecond
	server, addr := startProcess(t, buildServer(t),
		"DATABASE_URL="+dbtest.EmptyDatabase(t), "ADDR=127.0.0.1:0", "JWT_SECRET="+string(graphtest.Secret))
	pid := server.cmd.Process.Pid
	c := newAPIClient(t, addr)
	const query = `{ contacts { totalCount } }`
	c.mustPost(t, query, nil) // provisions the workspace and warms the pool
	// What a normal request takes alone, now, on this machine: when it is
	// so busy that this is over half the bound, the bound is what the
	// request takes alone plus half of it.
	alone := time.Duration(1<<63 - 1)
	for range 10 {
		start := time.Now()
		c.mustPost(t, query, nil)
		alone = min(alone, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	limit := max(maxLatency, alone+maxLatency/2)
	before := residentBytes(t, pid)

	anonymous := make([]net.Conn, 0, connections/2)
	for i := range connections {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer conn.Close()
		authorization := ""
		if i%2 == 0 {
			anonymous = append(anonymous, conn)
		} else {
			authorization = "Authorization: Bearer " + c.Token + "\r\n"
		}
		if _, err := fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: contacts\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", authorization, declared); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}

	// The memory the server takes shows within a second; the normal
	// requests run meanwhile, and go on while none has answered within
	// the limit (the slow bodies still held): the fastest is the nearest
	// to what a request costs beside them, when a loaded machine makes
	// any of them wait for a CPU.
	peak, fastest := before, time.Duration(1<<63-1)
	for start := time.Now(); time.Since(start) < time.Second || fastest >= limit && time.Since(start) < faultWait; time.Sleep(100 * time.Millisecond) {
		start := time.Now()
		if a := c.post(context.Background(), query, nil); !a.ok() {
			t.Fatalf("a normal request beside the slow bodies: %s; want it served", a)
		}
		fastest = min(fastest, time.Since(start))
		peak = max(peak, residentBytes(t, pid))
	}
	t.Logf("resident memory %d MB before, %d MB at most with %d slow bodies; the fastest normal request took %s beside them, %s alone",
		before>>20, peak>>20, connections, fastest.Round(time.Microsecond), alone.Round(time.Microsecond))
	if growth := peak - before; growth >= maxGrowth {
		t.Errorf("%d connections that declare %d bytes and send 1 raised the server's resident memory by %d MB; want less than %d MB",
			connections, declared, growth>>20, maxGrowth>>20)
	}
	if fastest >= limit {
		t.Errorf("a normal request beside the slow bodies took %s at best (%s alone); want less than %s", fastest, alone, limit)
	}

	deadline := time.Now().Add(faultWait)
	for i, conn := range anonymous {
		conn.SetReadDeadline(deadline)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("connection %d without a token: %v; want 401 without the body being read", 2*i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("connection %d without a token: status %d; want 401", 2*i, resp.StatusCode)
		}
	}
}
