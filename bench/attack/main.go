// Command attack attacks a release build of the server as an outsider
// would, one class of attack per file, and prints what held and what did
// not. It starts its own throwaway PostgreSQL and server (`serve`, as in
// production), so it needs nothing but the machine's PostgreSQL binaries:
//
//	go run ./bench/attack            (make attack)
//	go run ./bench/attack -only body,shape
//
// It is not part of make test: some attacks take tens of seconds and
// measure the server process from outside.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/contacts-api/contacts/bench/serverproc"
)

// attack is one class of attack; run returns what it found, one finding
// a probe.
type attack struct {
	name string
	run  func(context.Context, *target) []finding
}

// finding is the outcome of one probe: held is false when the attack got
// through.
type finding struct {
	probe  string
	held   bool
	detail string
}

func held(probe string, ok bool, format string, args ...any) finding {
	return finding{probe: probe, held: ok, detail: fmt.Sprintf(format, args...)}
}

var attacks = []attack{
	{"body", bodyFlood},
	{"text", hugeText},
	{"shape", quadraticDocuments},
	{"idempotency", idempotencyReplay},
	{"nul", nulBytes},
	{"auth", authFlood},
	{"exposure", exposure},
	{"tenancy", tenancy},
}

func main() {
	only := flag.String("only", "", "comma-separated attack classes to run (default all): "+names())
	flag.Parse()
	if err := run(*only); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func names() string {
	var n []string
	for _, a := range attacks {
		n = append(n, a.name)
	}
	return strings.Join(n, ",")
}

func run(only string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "attack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := serverproc.Build(ctx, dir, "."); err != nil {
		return fmt.Errorf("build the server: %w", err)
	}
	t, err := startTarget(ctx, filepath.Join(dir, "server"), dir)
	if err != nil {
		return err
	}
	defer t.stop()
	failed := 0
	for _, a := range attacks {
		if only != "" && !strings.Contains(","+only+",", ","+a.name+",") {
			continue
		}
		start := time.Now()
		for _, f := range a.run(ctx, t) {
			verdict := "held"
			if !f.held {
				verdict = "GOT THROUGH"
				failed++
			}
			fmt.Printf("%-12s %-11s %-48s %s\n", a.name, verdict, f.probe, f.detail)
		}
		fmt.Printf("%-12s (%.1fs)\n", a.name, time.Since(start).Seconds())
	}
	if failed > 0 {
		return fmt.Errorf("%d probes got through", failed)
	}
	fmt.Println("every probe held")
	return nil
}
