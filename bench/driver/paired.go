package main

import (
	"fmt"
	"slices"

	"github.com/contacts-api/contacts/bench/load"
	"github.com/contacts-api/contacts/bench/serverproc"
)

// What row-level security, change events or the GraphQL layer cost is a
// comparison of two servers on a 2-core machine whose speed moves while
// it is measured, by a quarter within a minute when something else runs
// (three quiet runs of the same code once read RLS costs of 1.7, 14.2 and
// −3.8% for contact_by_id, and one run's two rounds without row-level
// security 6,206 and 4,610 requests/s). So a case runs in many short
// rounds, each server once a round, and every comparison is made within
// a round:
//
//   - the server under test and the one it is compared with run back to
//     back (the comparators on either side of it), so that both meet the
//     machine as it is then; their order turns every round (A B, B A, A B,
//     …: ABBA), so that neither is always first, and a drift of the
//     machine over a round adds to the cost in one round what it takes
//     from it in the next;
//   - each round gives one paired figure (a cost, a ratio), and the case's
//     figure is the median of the rounds': a round in which one of the
//     two was disturbed (a build of someone else's, a checkpoint) moves
//     the median by one place at most, where a ratio of totals or means
//     takes in whatever the disturbance did, in either direction;
//   - the lowest and highest round are printed beside it, the spread.
//
// Nothing in it leans towards a target: a disturbance of either server
// counts the same, the median of rounds whose errors go either way as
// often is as likely above the true figure as below it, high or low, and
// the spread shows how far a round went either way.

// way is a server that a case runs against in each round, with the
// requests it answers and where its rounds' measurements go.
type way struct {
	p *serverproc.Process
	// reqs are its requests; file is where they are written for the load
	// generator.
	reqs []load.Request
	file string
	into *[]measurement
}

// roundOrder returns the order of the ways in round (0-based): the
// comparators on either side of the server under test, on, so that each
// runs back to back with it, and the order reversed every other round.
// It takes at most two comparators; a third could not be next to on.
func roundOrder(round int, on *way, comparators []*way) []*way {
	if len(comparators) > 2 {
		panic(fmt.Sprintf("roundOrder: %d comparators; at most two can run next to the server under test", len(comparators)))
	}
	order := []*way{comparators[0], on}
	order = append(order, comparators[1:]...)
	if round%2 == 1 {
		slices.Reverse(order)
	}
	return order
}

// estimate is a figure measured in rounds: the median of the rounds'
// figures, and the lowest and highest of them.
type estimate struct {
	median, lo, hi float64
}

// pairedEstimate is the median over the rounds of f of the two servers'
// measurements of the same round (a and b hold one per round, in the
// order of the rounds), with the lowest and highest round.
func pairedEstimate(a, b []measurement, f func(a, b measurement) float64) estimate {
	n := min(len(a), len(b))
	if n == 0 {
		return estimate{}
	}
	vs := make([]float64, n)
	for i := range n {
		vs[i] = f(a[i], b[i])
	}
	return estimate{median: median(vs), lo: slices.Min(vs), hi: slices.Max(vs)}
}

// median is the middle of vs, or the mean of the two middle values when
// their number is even.
func median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percent prints e in percent: "7.2% (3.1 to 11.0%)".
func (e estimate) percent() string {
	return fmt.Sprintf("%.1f%% (%.1f to %.1f%%)", 100*e.median, 100*e.lo, 100*e.hi)
}

// pct is e in percent, rounded to a tenth, for the report.
func (e estimate) pct() (float64, [2]float64) {
	return round(100*e.median, 1), [2]float64{round(100*e.lo, 1), round(100*e.hi, 1)}
}

// rlsCost is the share of requests/s that row-level security takes in a
// round: on with it, off without.
func rlsCost(on, off measurement) float64 { return 1 - on.rps/off.rps }

// eventsCost is the time that change events add to a request in a round:
// with them, without.
func eventsCost(with, without measurement) float64 { return without.rps/with.rps - 1 }

// ofRaw is the server's requests/s over the raw baseline's in a round.
func ofRaw(server, baseline measurement) float64 { return server.rps / baseline.rps }
