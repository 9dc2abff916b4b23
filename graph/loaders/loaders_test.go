package loaders

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/graph-gophers/dataloader/v7"
)

// countingLoader returns a loader that doubles its keys, fails on key 13,
// and records the batches it fetches.
func countingLoader(batches *[][]int) *Loader[int, int] {
	return newLoader(func(string, int) {}, "double", func(_ context.Context, keys []int) []*dataloader.Result[int] {
		*batches = append(*batches, slices.Clone(keys))
		results := make([]*dataloader.Result[int], len(keys))
		for i, k := range keys {
			results[i] = &dataloader.Result[int]{Data: 2 * k}
			if k == 13 {
				results[i] = &dataloader.Result[int]{Error: errors.New("thirteen")}
			}
		}
		return results
	})
}

func TestLoadNowFetchesTheMissingKeysOnceInOneBatch(t *testing.T) {
	ctx := context.Background()
	var batches [][]int
	l := countingLoader(&batches)
	l.Prime(ctx, 1, 100)
	thunks := l.LoadNow(ctx, []int{1, 2, 3, 2, 13})
	if want := [][]int{{2, 3, 13}}; !slices.EqualFunc(batches, want, slices.Equal) {
		t.Fatalf("fetched %v, want one batch of the keys not cached, each once: %v", batches, want)
	}
	for i, want := range []int{100, 4, 6, 4} {
		if got, err := thunks[i](); got != want || err != nil {
			t.Errorf("key %d: got %d, %v; want %d", i, got, err, want)
		}
	}
	if _, err := thunks[4](); err == nil {
		t.Error("key 13: no error, want the batch's error")
	}
	l.LoadNow(ctx, []int{2, 3, 13})
	if _, err := l.Load(ctx, 13)(); len(batches) != 1 || err == nil {
		t.Errorf("loading the keys again fetched %v; want them all from the cache, the error too", batches[1:])
	}
}

func TestLoadNowWithEverythingCachedFetchesNothing(t *testing.T) {
	var batches [][]int
	l := countingLoader(&batches)
	if thunks := l.LoadNow(context.Background(), nil); len(thunks) != 0 || len(batches) != 0 {
		t.Errorf("no keys: %d thunks, batches %v; want none", len(thunks), batches)
	}
}

func TestLoadAllInNowFetchesAtOnceInOneBatch(t *testing.T) {
	var batches [][]int
	l := countingLoader(&batches)
	values, err := l.LoadAll(Now(context.Background()), []int{1, 2, 1})
	if err != nil || !slices.Equal(values, []int{2, 4, 2}) {
		t.Fatalf("got %v, %v; want [2 4 2] in key order", values, err)
	}
	if want := [][]int{{1, 2}}; !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("fetched %v, want %v", batches, want)
	}
	if _, err := l.LoadAll(Now(context.Background()), []int{13, 2}); err == nil {
		t.Error("a failed key: no error, want the batch's error")
	}
}

func TestGroupedByKeepsEachKeysRowsInRowOrder(t *testing.T) {
	type row struct{ key, value string }
	rows := []row{{"b", "b1"}, {"a", "a1"}, {"c", "c1"}, {"b", "b2"}, {"x", "x1"}, {"a", "a2"}, {"b", "b3"}}
	fetch := func(context.Context, []string) ([]row, error) { return rows, nil }
	results := groupedBy(fetch, func(r row) (string, string) { return r.key, r.value })(context.Background(), []string{"a", "b", "none", "c"})
	want := [][]string{{"a1", "a2"}, {"b1", "b2", "b3"}, nil, {"c1"}}
	for i, r := range results {
		if r.Error != nil || !slices.Equal(r.Data, want[i]) {
			t.Errorf("key %d: got %v, %v; want %v", i, r.Data, r.Error, want[i])
		}
	}
	if got := append(results[0].Data, "a3"); results[1].Data[0] != "b1" || len(got) != 3 {
		t.Error("appending to a key's list wrote over the next key's")
	}
}
