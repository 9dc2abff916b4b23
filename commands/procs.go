package commands

import (
	"os"
	"runtime"
)

// With one P, Go's scheduler looks for network events only when the P runs
// out of goroutines, or every 10 ms from its monitor: on a busy server, a
// request whose database answer has arrived waits for that, and so does a
// new request. With a second P, one thread can wait in the network poller
// while the other runs requests, and the kernel shares the CPU between
// them. Measured with make bench (the server pinned to one CPU):
// contact_by_id's p99 went from 9 to 15 times its p50 to 4.4 times, at
// the same requests/s.

// raiseProcs gives the runtime two Ps when it chose one because the
// process may run on one CPU only (its affinity, which taskset or a
// cpuset sets). A limit from a CPU quota (a container's --cpus=1) leaves
// runtime.NumCPU above one, and is kept: two busy threads would exhaust
// the quota early in each period and then wait for the next. GOMAXPROCS
// in the environment overrides either way.
func raiseProcs() { runtime.GOMAXPROCS(serverProcs()) }

// serverProcs is how many Ps the server runs with once raiseProcs has
// run: what the pool's default size follows.
func serverProcs() int {
	return procsFor(os.Getenv("GOMAXPROCS"), runtime.NumCPU(), runtime.GOMAXPROCS(0))
}

// procsFor returns how many Ps to run, given the GOMAXPROCS setting, the
// CPUs the process may run on, and the Ps the runtime chose.
func procsFor(setting string, cpus, procs int) int {
	if setting == "" && cpus == 1 && procs == 1 {
		return 2
	}
	return procs
}
