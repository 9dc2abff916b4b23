package load

import (
	"math"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{"empty is zero", nil, 0.5, 0},
		{"one sample is every quantile", []time.Duration{3 * time.Millisecond}, 0.99, 3 * time.Millisecond},
		{"p50 of 1..1000 ms", spread(1000, time.Millisecond), 0.50, 500 * time.Millisecond},
		{"p99 of 1..1000 ms", spread(1000, time.Millisecond), 0.99, 990 * time.Millisecond},
		{"p99 sees a slow tail", append(repeat(98, time.Millisecond), 2*time.Second, 2*time.Second), 0.99, 2 * time.Second},
		{"small values are exact", []time.Duration{5, 7, 9}, 0.5, 7},
		{"a minute fits", []time.Duration{time.Minute}, 0.5, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			for _, s := range tt.samples {
				h.Record(s)
			}
			got := h.Quantile(tt.q)
			if !within(got, tt.want, 1.0/subBuckets) {
				t.Errorf("Quantile(%v) = %v, want %v within %.1f%%", tt.q, got, tt.want, 100.0/subBuckets)
			}
		})
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b Histogram
	for _, d := range spread(500, time.Millisecond) {
		a.Record(d)
		b.Record(d + 500*time.Millisecond)
	}
	a.Merge(&b)
	if a.Count() != 1000 {
		t.Errorf("merged count = %d, want 1000", a.Count())
	}
	if got := a.Quantile(0.5); !within(got, 500*time.Millisecond, 1.0/subBuckets) {
		t.Errorf("merged p50 = %v, want 500ms", got)
	}
}

func TestBucketsCoverEveryValueInOrder(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v++ {
		b := bucketOf(v)
		if b < prev || b > prev+1 {
			t.Fatalf("bucketOf(%d) = %d after %d: buckets must be contiguous and ordered", v, b, prev)
		}
		prev = b
	}
	if b := bucketOf(math.MaxInt64); b >= len(Histogram{}.counts) {
		t.Errorf("bucketOf(MaxInt64) = %d, beyond the %d buckets", b, len(Histogram{}.counts))
	}
}

// spread returns n samples: unit, 2*unit, ... n*unit.
func spread(n int, unit time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * unit
	}
	return out
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)
}
