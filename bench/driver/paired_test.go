package main

import (
	"math"
	"slices"
	"testing"
)

func TestRoundOrderRunsEachComparatorNextToTheServerFirstAndLastInTurn(t *testing.T) {
	on, off, other := &way{}, &way{}, &way{}
	names := map[*way]string{on: "on", off: "off", other: "other"}
	order := func(round int, comparators ...*way) []string {
		var got []string
		for _, w := range roundOrder(round, on, comparators) {
			got = append(got, names[w])
		}
		return got
	}
	// A B, B A, A B, B A: A B B A A B B A.
	for round, want := range [][]string{{"off", "on"}, {"on", "off"}, {"off", "on"}, {"on", "off"}} {
		if got := order(round, off); !slices.Equal(got, want) {
			t.Errorf("round %d with one comparator: %v, want %v", round, got, want)
		}
	}
	for round, want := range [][]string{{"off", "on", "other"}, {"other", "on", "off"}} {
		if got := order(round, off, other); !slices.Equal(got, want) {
			t.Errorf("round %d with two comparators: %v, want %v", round, got, want)
		}
	}
}

// rounds measures a server that costs cost against one that costs
// nothing, in 8 rounds in the order of roundOrder, on a machine that
// slows down by 1% every run (from 5,000 requests/s) and in whose third
// round a run of the server disturbed (on or off) gets 26% less done, as
// a run without row-level security once did (6,206 and 4,610 requests/s
// in the two rounds of one run).
func rounds(cost float64, disturbed string) (on, off []measurement) {
	w := map[string]*way{"on": {into: &on}, "off": {into: &off}}
	run := 0
	for round := range 8 {
		for _, x := range roundOrder(round, w["on"], []*way{w["off"]}) {
			rps := 5000 * (1 - 0.01*float64(run))
			if x == w["on"] {
				rps *= 1 - cost
			}
			if round == 2 && x == w[disturbed] {
				rps *= 0.74
			}
			*x.into = append(*x.into, measurement{rps: rps})
			run++
		}
	}
	return on, off
}

func TestThePairedMedianFindsTheCostThatTheRatioOfTotalsMisses(t *testing.T) {
	const cost = 0.08
	for _, disturbed := range []string{"off", "on"} {
		on, off := rounds(cost, disturbed)
		c := caseResult{graphql: on, withoutRLS: off}
		got := c.rlsCost()
		// What the benchmark reported before: one minus the ratio of the
		// two servers' mean (or total) requests/s.
		totals := rlsCost(mean(on), mean(off))
		if math.Abs(got.median-cost) > 0.01 {
			t.Errorf("the %s server disturbed: the paired median is %.1f%%, want within a point of %.0f%%", disturbed, 100*got.median, 100*cost)
		}
		if math.Abs(totals-cost) < 0.02 {
			t.Errorf("the %s server disturbed: the ratio of totals is %.1f%%, within 2 points of %.0f%%: the case does not show what the median is for", disturbed, 100*totals, 100*cost)
		}
		// The disturbed round shows in the spread, on its side.
		if disturbed == "off" && got.lo > -0.2 || disturbed == "on" && got.hi < 0.3 {
			t.Errorf("the %s server disturbed: the spread is %.1f to %.1f%%, want the disturbed round in it", disturbed, 100*got.lo, 100*got.hi)
		}
	}
}

func TestPairedEstimatesOfEventsAndTheBaseline(t *testing.T) {
	with := []measurement{{rps: 100}, {rps: 100}, {rps: 100}}
	c := caseResult{graphql: with, withoutEvents: []measurement{{rps: 110}, {rps: 150}, {rps: 105}},
		baseline: []measurement{{rps: 125}, {rps: 200}, {rps: 50}}}
	if e, ok := c.eventsCost(); !ok || math.Abs(e.median-0.10) > 1e-9 || math.Abs(e.lo-0.05) > 1e-9 || math.Abs(e.hi-0.5) > 1e-9 {
		t.Errorf("eventsCost = %+v, %v; want the median 10%%, from 5 to 50%%", e, ok)
	}
	if e, ok := c.ofRaw(); !ok || e.median != 0.8 || e.lo != 0.5 || e.hi != 2 {
		t.Errorf("ofRaw = %+v, %v; want the median 0.8, from 0.5 to 2", e, ok)
	}
	if _, ok := (caseResult{graphql: with}).eventsCost(); ok {
		t.Error("a read has an events cost")
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 1 to 4 = %v, want 2.5", got)
	}
}
