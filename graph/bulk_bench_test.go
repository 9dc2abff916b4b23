package graph_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// bulkInputs returns n upserts of contacts with 2 phones and 2 tags each.
func bulkInputs(prefix string, n int) []map[string]any {
	inputs := make([]map[string]any, n)
	for i := range inputs {
		inputs[i] = map[string]any{
			"externalId": fmt.Sprintf("%s-%d", prefix, i), "name": fmt.Sprintf("Contact %d", i),
			"email": fmt.Sprintf("c%d@example.com", i), "tags": []string{"crm", "sync"},
			"phones": phoneInputs(fmt.Sprintf("+1415%07d", 2_000_000+i), fmt.Sprintf("+1650%07d", 2_000_000+i)),
		}
	}
	return inputs
}

const bulkBenchDoc = `mutation($inputs: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $inputs) { results { index created userErrors { code } } } }`

// BenchmarkBulkUpsert1000 times one call of 1,000 new contacts with 2
// phones and 2 tags each (target: under 300 ms).
func BenchmarkBulkUpsert1000(b *testing.B) {
	c := newClient(b)
	for i := 0; b.Loop(); i++ {
		resp := c.Post(bulkBenchDoc, map[string]any{"inputs": bulkInputs(fmt.Sprint("b", i), 1000)})
		if len(resp.Errors) > 0 {
			b.Fatal(resp.Errors)
		}
	}
}

// BenchmarkBulkUpsert100k loads 100,000 contacts in 100 calls from 4
// concurrent workers (target: under 30 s) and reports contacts per second.
func BenchmarkBulkUpsert100k(b *testing.B) {
	for run := 0; b.Loop(); run++ {
		c := newClient(b)
		start := time.Now()
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for call := w; call < 100; call += 4 {
					resp := c.Post(bulkBenchDoc, map[string]any{"inputs": bulkInputs(fmt.Sprintf("w%d-%d", run, call), 1000)})
					if len(resp.Errors) > 0 {
						b.Error(resp.Errors)
						return
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(100_000/time.Since(start).Seconds(), "contacts/s")
	}
}
