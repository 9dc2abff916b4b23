package main

import (
	"context"
	"fmt"
	"net/http"
)

// authFlood sends 2,000 bad API keys from one address, then a good token.
func authFlood(ctx context.Context, t *target) []finding {
	statuses := map[int]int{}
	for i := range 2000 {
		a := t.post(fmt.Sprintf("ck_%030d", i), firstPage, nil)
		statuses[a.status]++
	}
	return []finding{
		held("2,000 bad keys from one address", statuses[http.StatusTooManyRequests] > 0, "statuses %v", statuses),
	}
}
