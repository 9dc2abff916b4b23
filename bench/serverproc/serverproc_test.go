package serverproc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/contacts-api/contacts/bench/serverproc"
)

// TestMain makes the test binary the server the tests start: with
// SERVERPROC_TEST set it serves /healthz on ADDR until SIGTERM, or, when
// it is "fail", writes a line and exits 3.
func TestMain(m *testing.M) {
	switch os.Getenv("SERVERPROC_TEST") {
	case "":
		os.Exit(m.Run())
	case "fail":
		fmt.Fprintln(os.Stderr, "cannot open the database")
		os.Exit(3)
	}
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	})}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		<-stop
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// TestStartWaitsUntilReadyAndStopDrains starts a server, reads from it
// and stops it with SIGTERM, which it exits cleanly on.
func TestStartWaitsUntilReadyAndStopDrains(t *testing.T) {
	p, err := serverproc.Start(context.Background(), serverproc.Server{
		Name: "ok", Dir: t.TempDir(), Binary: os.Args[0], Env: []string{"SERVERPROC_TEST=serve"}, Ready: "/healthz",
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(p.URL + "/healthz")
	if err != nil {
		t.Fatalf("the started server does not answer: %v", err)
	}
	resp.Body.Close()
	if err := p.Stop(); err != nil {
		t.Errorf("stop: %v; want a clean exit on SIGTERM", err)
	}
}

// TestStartReportsTheLogOfAServerThatExits checks that a server that
// exits before it is ready fails Start with its own output.
func TestStartReportsTheLogOfAServerThatExits(t *testing.T) {
	_, err := serverproc.Start(context.Background(), serverproc.Server{
		Name: "failing", Dir: t.TempDir(), Binary: os.Args[0], Env: []string{"SERVERPROC_TEST=fail"}, Ready: "/healthz",
	})
	if err == nil || !strings.Contains(err.Error(), "cannot open the database") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Start of a server that exits: %v; want its exit status and log", err)
	}
}
