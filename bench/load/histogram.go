package load

import (
	"math/bits"
	"time"
)

// subBuckets is how many buckets each power of two is split into: a
// recorded latency is off by at most 1/subBuckets (1.6%) of its value.
const (
	subBucketBits = 6
	subBuckets    = 1 << subBucketBits
)

// Histogram counts latencies in log-linear buckets: exact below 128 ns,
// then 64 buckets per power of two. It takes constant memory whatever the
// number of requests; the zero value is empty and ready to use.
type Histogram struct {
	counts [64 * subBuckets]uint64
	total  uint64
}

// bucketOf returns the bucket of a value in nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - (subBucketBits + 1)
	return shift*subBuckets + int(v>>shift)
}

// bucketMiddle returns the value in the middle of a bucket.
func bucketMiddle(i int) uint64 {
	if i < 2*subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	low := uint64(i%subBuckets+subBuckets) << shift
	return low + (uint64(1)<<shift)/2
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.total++
}

// Merge adds the latencies of other.
func (h *Histogram) Merge(other *Histogram) {
	for i, n := range other.counts {
		h.counts[i] += n
	}
	h.total += other.total
}

// Count returns how many latencies were recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Quantile returns the latency below which the fraction q of the recorded
// ones fall, such as 0.99 for p99; 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			return time.Duration(bucketMiddle(i))
		}
	}
	return time.Duration(bucketMiddle(len(h.counts) - 1))
}
