// Package ratelimit keeps one token bucket per key, such as a workspace,
// in the memory of one process. A bucket holds a minute's worth of tokens
// and refills at that rate; buckets that have filled up again are
// forgotten, which loses nothing (a new bucket starts full), so memory is
// bounded by the keys active within the last minute.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sweepEvery is how often Take looks for full buckets to forget.
const sweepEvery = time.Minute

// Limiter limits the tokens each key may take per minute.
type Limiter[K comparable] struct {
	perMinute int

	mu        sync.Mutex
	buckets   map[K]*rate.Limiter
	nextSweep time.Time
}

// New returns a limiter of perMinute tokens a minute for each key, which
// may all be taken at once.
func New[K comparable](perMinute int) *Limiter[K] {
	return &Limiter[K]{perMinute: perMinute, buckets: map[K]*rate.Limiter{}}
}

// Decision is the outcome of Take, with what the client is told of it.
type Decision struct {
	Allowed bool
	// Limit is the tokens a key may take per minute.
	Limit int
	// Remaining is what the key has left now.
	Remaining int
	// Reset is how long until the key's bucket is full again.
	Reset time.Duration
	// RetryAfter is, when refused, how long until the tokens asked for
	// are there.
	RetryAfter time.Duration
}

// Take takes n tokens of key's bucket at now, or none when it has fewer.
func (l *Limiter[K]) Take(key K, n int, now time.Time) Decision {
	bucket := l.bucket(key, now)
	d := Decision{Limit: l.perMinute}
	r := bucket.ReserveN(now, n)
	switch delay := r.DelayFrom(now); {
	case !r.OK(): // more than a minute's worth: never
		d.RetryAfter = time.Minute
	case delay > 0:
		r.CancelAt(now)
		d.RetryAfter = delay
	default:
		d.Allowed = true
	}
	tokens := bucket.TokensAt(now)
	d.Remaining = int(math.Max(0, math.Floor(tokens)))
	d.Reset = time.Duration((float64(l.perMinute) - tokens) / float64(l.perMinute) * float64(time.Minute))
	return d
}

// bucket returns key's bucket, and forgets the full ones once a minute.
func (l *Limiter[K]) bucket(key K, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.nextSweep) {
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.perMinute) {
				delete(l.buckets, k)
			}
		}
		l.nextSweep = now.Add(sweepEvery)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.buckets[key] = b
	}
	return b
}

// Keys returns how many buckets the limiter holds.
func (l *Limiter[K]) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
