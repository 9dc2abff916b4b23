// Package atonce measures how many calls run at the same time, for the
// tests of the bounds that let requests run (the HTTP layer's turns, the
// extensions' admission by cost). It is a package of its own, with no
// dependency, so that those packages' internal tests can use it: they
// cannot import graphtest, which imports them.
package atonce

import (
	"sync"
	"sync/atomic"
	"time"
)

// Most makes n calls at once through the bound under test and returns the
// most that ran their work at once. start is given the work, which runs
// until it is let go, and returns the call that runs it through the
// bound; ready, asked of how many run their work, says when to let the
// work go (once the bound is full and the calls beyond it wait).
func Most(n int, start func(work func()) (call func()), ready func(running int) bool) int {
	var running, most atomic.Int32
	finish := make(chan struct{})
	call := start(func() {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		defer running.Add(-1)
		<-finish
	})
	var wg sync.WaitGroup
	for range n {
		wg.Go(call)
	}
	for !ready(int(running.Load())) {
		time.Sleep(time.Millisecond)
	}
	close(finish)
	wg.Wait()
	return int(most.Load())
}
