package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// quadraticDocuments sends the documents that made validation quadratic,
// each with a fresh comment so that no cache helps.
func quadraticDocuments(ctx context.Context, t *target) []finding {
	fragments := "query { contacts(first: 1) { nodes { ...F " + strings.Repeat("...F ", 3000) + "} } } fragment F on Contact { id name email }"
	var chain strings.Builder
	chain.WriteString("query { contacts(first: 1) { nodes { ...F0 } } }")
	for i := range 200 {
		fmt.Fprintf(&chain, " fragment F%d on Contact { id name ...F%d }", i, i+1)
	}
	chain.WriteString(" fragment F200 on Contact { id }")
	docs := []struct{ name, doc string }{
		{"9,000 repeated id fields", "{ contacts(first: 1) { nodes { " + strings.Repeat("id ", 9000) + "} } }"},
		{"3,000 spreads of one fragment", fragments},
		{"a chain of 200 fragments", chain.String()},
		{"wide: 3,000 distinct aliases", "{ contacts(first: 1) { nodes { " + aliases(3000) + "} } }"},
	}
	var fs []finding
	for _, d := range docs {
		a := bestOf(3, func() answer {
			return t.post(t.readA, fmt.Sprintf("%s # %d", d.doc, time.Now().UnixNano()), nil)
		})
		fs = append(fs, held(d.name, a.elapsed < 50*time.Millisecond && a.status < 500, "%v, codes %v", a.elapsed.Round(time.Millisecond), a.codes()))
	}
	return append(fs, parallelDocuments(t, docs[0].doc))
}

// parallelDocuments sends four of the worst document at once, and watches
// another workspace's page meanwhile.
func parallelDocuments(t *target, doc string) finding {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { t.post(t.readA, fmt.Sprintf("%s # %d-%d", doc, time.Now().UnixNano(), i), nil) })
	}
	other := bestOf(3, func() answer { return t.post(t.adminB, firstPage, nil) })
	wg.Wait()
	return held("four at once, and another workspace meanwhile", other.status == 200 && other.elapsed < 100*time.Millisecond, "the other workspace's page: %v", other.elapsed.Round(time.Millisecond))
}

func aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: id ", i)
	}
	return b.String()
}
