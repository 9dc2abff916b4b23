package webhooks

import (
	"math/rand/v2"
	"time"
)

// The retry schedule: the first retry after firstRetry, each next one
// retryFactor times later, at most maxRetryDelay, with up to a tenth
// more of random jitter, so that the deliveries failed by one outage do
// not all come back at once. Retries attempts after the first cover more
// than a day: 5 s, 30 s, 3 min, 18 min, 1 h 48 min, then 10 h three times,
// some 32 hours in all.
const (
	firstRetry    = 5 * time.Second
	retryFactor   = 6
	maxRetryDelay = 10 * time.Hour
	// Retries is how many times a failed delivery is tried again.
	Retries = 8
)

// RetryDelay returns how long to wait before retry number n (1 for the
// first retry).
func RetryDelay(n int) time.Duration {
	d := firstRetry
	for i := 1; i < n && d < maxRetryDelay; i++ {
		d *= retryFactor
	}
	d = min(d, maxRetryDelay)
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}
