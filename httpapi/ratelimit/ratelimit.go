// Package ratelimit keeps one token bucket per key, such as a workspace,
// in the memory of one process. A bucket holds a minute's worth of tokens
// and refills at that rate; buckets that have filled up again are
// forgotten, which loses nothing (a new bucket starts full), so memory is
// bounded by the keys active within the last minute, and by a maximum
// number of keys when the keys are the client's to choose.
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
	maxKeys   int // 0: no bound

	mu        sync.Mutex
	buckets   map[K]*rate.Limiter
	nextSweep time.Time
	lastSweep time.Time
}

// New returns a limiter of perMinute tokens a minute for each key, which
// may all be taken at once.
func New[K comparable](perMinute int) *Limiter[K] {
	return &Limiter[K]{perMinute: perMinute, buckets: map[K]*rate.Limiter{}}
}

// NewBounded returns a limiter like New's that keeps at most maxKeys
// buckets. When they are all in use, a new key is refused as if its
// bucket were empty: a client that makes up keys gains nothing by it.
func NewBounded[K comparable](perMinute, maxKeys int) *Limiter[K] {
	l := New[K](perMinute)
	l.maxKeys = maxKeys
	return l
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
	if bucket == nil {
		return l.full()
	}
	r := bucket.ReserveN(now, n)
	var allowed bool
	var retryAfter time.Duration
	switch delay := r.DelayFrom(now); {
	case !r.OK(): // more than a minute's worth: never
		retryAfter = time.Minute
	case delay > 0:
		r.CancelAt(now)
		retryAfter = delay
	default:
		allowed = true
	}
	d := l.decision(bucket.TokensAt(now))
	d.Allowed, d.RetryAfter = allowed, retryAfter
	return d
}

// decision tells of a bucket that holds tokens.
func (l *Limiter[K]) decision(tokens float64) Decision {
	return Decision{
		Limit:     l.perMinute,
		Remaining: int(math.Max(0, math.Floor(tokens))),
		Reset:     time.Duration((float64(l.perMinute) - tokens) / float64(l.perMinute) * float64(time.Minute)),
	}
}

// Peek returns what Take(key, 1, now) would decide, without taking a
// token or keeping a bucket for key.
func (l *Limiter[K]) Peek(key K, now time.Time) Decision {
	l.mu.Lock()
	bucket, ok := l.buckets[key]
	l.mu.Unlock()
	tokens := float64(l.perMinute)
	if ok {
		tokens = bucket.TokensAt(now)
	}
	d := l.decision(tokens)
	d.Allowed = tokens >= 1
	if !d.Allowed {
		d.RetryAfter = time.Duration((1 - tokens) * float64(l.refill()))
	}
	return d
}

// full is the decision for a new key when every bucket is in use: retry
// when a bucket may have filled up again.
func (l *Limiter[K]) full() Decision {
	d := l.decision(0)
	d.RetryAfter = l.refill()
	return d
}

// refill is how long a bucket takes to refill one token.
func (l *Limiter[K]) refill() time.Duration {
	return time.Minute / time.Duration(l.perMinute)
}

// bucket returns key's bucket, and forgets the full ones once a minute,
// or sooner when a new key finds every bucket in use. It returns nil when
// the new key still finds no room.
func (l *Limiter[K]) bucket(key K, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, known := l.buckets[key]
	// When crowded, a sweep at most every refill: no bucket could have
	// filled up again sooner.
	if now.After(l.nextSweep) || !known && l.crowded() && now.Sub(l.lastSweep) >= l.refill() {
		l.sweep(now)
	}
	if b, ok := l.buckets[key]; ok {
		return b
	}
	if l.crowded() {
		return nil
	}
	b := rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
	l.buckets[key] = b
	return b
}

// crowded reports whether a new key would take a bucket over maxKeys.
func (l *Limiter[K]) crowded() bool {
	return l.maxKeys > 0 && len(l.buckets) >= l.maxKeys
}

// sweep forgets the full buckets.
func (l *Limiter[K]) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.perMinute) {
			delete(l.buckets, k)
		}
	}
	l.nextSweep, l.lastSweep = now.Add(sweepEvery), now
}

// Keys returns how many buckets the limiter holds.
func (l *Limiter[K]) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Seconds rounds d up to whole seconds, as Retry-After and the reset
// headers tell them.
func Seconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}
