package ratelimit_test

import (
	"testing"
	"time"

	"github.com/contacts-api/contacts/graph/ratelimit"
)

func TestTake(t *testing.T) {
	t.Parallel()
	l := ratelimit.New[string](60) // a token a second
	now := time.Now()
	for i := range 60 {
		if d := l.Take("a", 1, now); !d.Allowed || d.Remaining != 59-i || d.Limit != 60 {
			t.Fatalf("take %d: %+v; want allowed with %d remaining", i+1, d, 59-i)
		}
	}
	d := l.Take("a", 1, now)
	if d.Allowed || d.RetryAfter != time.Second || d.Reset != time.Minute {
		t.Fatalf("take 61: %+v; want refused, retry after 1s, full again in a minute", d)
	}
	if d := l.Take("b", 1, now); !d.Allowed {
		t.Fatalf("another key: %+v; want allowed, whatever key a took", d)
	}
	if d := l.Take("a", 1, now.Add(time.Second)); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("a second later: %+v; want the refilled token", d)
	}
	if d := l.Take("a", 10, now.Add(5*time.Second)); d.Allowed || d.RetryAfter != 6*time.Second {
		t.Fatalf("10 tokens 4 seconds later: %+v; want refused, retry after 6s", d)
	}
	if d := l.Take("c", 61, now); d.Allowed || d.RetryAfter != time.Minute {
		t.Fatalf("more than a minute's worth: %+v; want refused", d)
	}
}

func TestIdleBucketsAreForgotten(t *testing.T) {
	t.Parallel()
	l := ratelimit.New[int](100)
	now := time.Now()
	for k := range 1000 {
		l.Take(k, 10, now)
	}
	if n := l.Keys(); n != 1000 {
		t.Fatalf("%d buckets after 1,000 keys; want 1,000", n)
	}
	l.Take(0, 100, now.Add(30*time.Second)) // empties key 0 again
	if n := l.Keys(); n != 1000 {
		t.Fatalf("%d buckets before any is full; want 1,000", n)
	}
	later := now.Add(70 * time.Second)
	l.Take(1, 1, later)
	if n := l.Keys(); n != 2 {
		t.Fatalf("%d buckets after the others filled up; want 2 (key 0, refilling, and key 1)", n)
	}
}
