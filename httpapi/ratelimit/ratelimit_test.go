package ratelimit_test

import (
	"testing"
	"time"

	"github.com/contacts-api/contacts/httpapi/ratelimit"
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

func TestPeek(t *testing.T) {
	t.Parallel()
	l := ratelimit.New[string](60)
	now := time.Now()
	if d := l.Peek("a", now); !d.Allowed || d.Remaining != 60 || l.Keys() != 0 {
		t.Fatalf("peek at a new key: %+v, %d buckets; want allowed with 60 remaining, and no bucket kept", d, l.Keys())
	}
	l.Take("a", 59, now)
	if d := l.Peek("a", now); !d.Allowed || d.Remaining != 1 {
		t.Fatalf("peek at the last token: %+v; want allowed with 1 remaining", d)
	}
	if d := l.Peek("a", now); !d.Allowed {
		t.Fatalf("a second peek: %+v; want allowed still: peeking takes nothing", d)
	}
	l.Take("a", 1, now)
	if d := l.Peek("a", now.Add(500*time.Millisecond)); d.Allowed || d.RetryAfter != 500*time.Millisecond {
		t.Fatalf("peek at an empty bucket: %+v; want refused, retry after 500ms", d)
	}
}

func TestBoundedKeys(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewBounded[int](60, 100)
	now := time.Now()
	for k := range 100 {
		if d := l.Take(k, 1, now); !d.Allowed {
			t.Fatalf("key %d of 100: %+v; want allowed", k, d)
		}
	}
	if d := l.Take(100, 1, now); d.Allowed || d.RetryAfter != time.Second {
		t.Fatalf("a 101st key while the others refill: %+v; want refused, retry after a second", d)
	}
	if d := l.Take(0, 1, now); !d.Allowed {
		t.Fatalf("a key that has a bucket: %+v; want allowed", d)
	}
	if n := l.Keys(); n != 100 {
		t.Fatalf("%d buckets; want at most 100", n)
	}
	// A second later the buckets that took one token are full again, and
	// make room.
	if d := l.Take(100, 1, now.Add(time.Second)); !d.Allowed || l.Keys() > 100 {
		t.Fatalf("a new key once buckets have filled up: %+v, %d buckets; want allowed, at most 100 buckets", d, l.Keys())
	}
}
