package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// Limits of recording API key use.
const (
	// keyUseInterval is how often a key's lastUsedAt moves at most.
	keyUseInterval = time.Minute
	// keyUseWriteTimeout bounds one write of a key's last use.
	keyUseWriteTimeout = 5 * time.Second
	// keyUseWriters bounds the writes in flight; a use that finds them
	// all busy is not recorded, and the key's next use after a minute is.
	keyUseWriters = 8
)

// keyUse records when API keys were last used: at most once a minute per
// key, in a goroutine with its own timeout, so that a request never waits
// for it.
type keyUse struct {
	store *db.Store
	slots chan struct{}

	mu sync.Mutex
	// recorded is when each key's use was last recorded by this process.
	// It holds only keys that authenticated, so it is bounded by the
	// keys in the database; stale entries are dropped as it grows.
	recorded map[string]time.Time
	pruneAt  int
	closed   bool
	writes   sync.WaitGroup
}

func newKeyUse(store *db.Store) *keyUse {
	return &keyUse{store: store, slots: make(chan struct{}, keyUseWriters), recorded: map[string]time.Time{}, pruneAt: 1024}
}

// record notes that the key was used at now, writing it in the background
// when a minute has passed since the last time this process did.
func (u *keyUse) record(ws uuid.UUID, id string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed || !u.due(id, now) {
		return
	}
	select {
	case u.slots <- struct{}{}:
	default:
		return
	}
	u.writes.Go(func() {
		defer func() { <-u.slots }()
		ctx, cancel := context.WithTimeout(context.Background(), keyUseWriteTimeout)
		defer cancel()
		defer logPanic(ctx, "record an API key's use")
		if err := u.store.RecordAPIKeyUse(ctx, ws, id, now, keyUseInterval); err != nil {
			slog.WarnContext(ctx, "recording an API key's use failed", "api_key_id", id, "error", err)
		}
	})
}

// due reports whether the key's use at now should be written, and if so
// remembers that it was. The caller holds u.mu.
func (u *keyUse) due(id string, now time.Time) bool {
	if last, ok := u.recorded[id]; ok && now.Sub(last) < keyUseInterval {
		return false
	}
	if len(u.recorded) >= u.pruneAt {
		u.prune(now)
	}
	u.recorded[id] = now
	return true
}

// prune forgets the keys whose use may be recorded again anyway, and lets
// the map grow when most of it is still fresh.
func (u *keyUse) prune(now time.Time) {
	for id, last := range u.recorded {
		if now.Sub(last) >= keyUseInterval {
			delete(u.recorded, id)
		}
	}
	if len(u.recorded) >= u.pruneAt/2 {
		u.pruneAt *= 2
	}
}

// close stops recording and waits for the writes in flight.
func (u *keyUse) close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.writes.Wait()
}
