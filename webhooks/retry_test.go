package webhooks_test

import (
	"testing"
	"time"

	"github.com/contacts-api/contacts/webhooks"
)

// TestRetriesCoverMoreThanADay checks the schedule's promise: a failing
// endpoint is retried for at least 24 hours, with growing delays.
func TestRetriesCoverMoreThanADay(t *testing.T) {
	t.Parallel()
	var total, previous time.Duration
	for n := 1; n <= webhooks.Retries; n++ {
		d := webhooks.RetryDelay(n)
		if d < previous*9/10 {
			t.Errorf("retry %d waits %v, less than retry %d's %v", n, d, n-1, previous)
		}
		if d > 11*time.Hour {
			t.Errorf("retry %d waits %v, more than 10 hours and its jitter", n, d)
		}
		total, previous = total+d, d
	}
	if total < 24*time.Hour {
		t.Errorf("the %d retries span %v, want at least 24h", webhooks.Retries, total)
	}
}
