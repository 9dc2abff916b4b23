package auth

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"
)

// Frontends send the same token with every request until it expires, and
// checking its signature and claims again costs far more than a lookup.
// The cache never answers differently from the verifier: an entry keeps
// the token's validity window and the key set it was checked against.
const (
	// maxCachedTokens bounds the cache to about 3.3 MB (an entry, with its
	// map slot, subject and scopes, is some 330 bytes). An entry lives a
	// minute at most, so this holds every token in use unless more than
	// 10,000 callers are active within a minute; past that, tokens are
	// only verified more often.
	maxCachedTokens = 10_000
	// cachedTokenTTL caps how long one verification is trusted, however
	// far away the token's exp. Rotating the key set invalidates entries
	// at once (see cachedToken.keys); the cap bounds anything else, such
	// as a key taken out of service some other way, to a minute, while
	// re-verifying an active token once a minute costs nothing.
	cachedTokenTTL = time.Minute
	// cacheShards spreads the entries over locks, so that concurrent
	// requests with different tokens seldom wait for each other.
	cacheShards = 16
)

// tokenKey is the SHA-256 of a whole token: an entry is found only by the
// very token that was verified, and the cache holds no bearer secrets.
type tokenKey [sha256.Size]byte

func keyOf(token string) tokenKey {
	return sha256.Sum256([]byte(token))
}

// cachedToken is the principal of a verified token and the conditions
// under which its verification still holds.
type cachedToken struct {
	principal Principal
	// The verification holds from from (the token's nbf less the clock
	// skew; the zero time without nbf) until until, excluded (its exp
	// plus the clock skew, or the cache's cap if sooner): the bounds the
	// parser checks, compared the way it compares them.
	from, until time.Time
	// keys is the key set in use when the token was verified; once
	// another is in use, the entry is stale.
	keys *keySet
}

// tokenCache remembers verified tokens. It is safe for concurrent use.
type tokenCache struct {
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[tokenKey]cachedToken
	max     int
}

// newTokenCache returns a cache of at most maxEntries tokens, rounded down
// to a multiple of the number of shards (and at least one per shard).
func newTokenCache(maxEntries int) *tokenCache {
	c := &tokenCache{}
	perShard := max(1, maxEntries/cacheShards)
	for i := range c.shards {
		c.shards[i] = cacheShard{entries: make(map[tokenKey]cachedToken), max: perShard}
	}
	return c
}

func (c *tokenCache) shard(key tokenKey) *cacheShard {
	return &c.shards[key[0]%cacheShards]
}

// get returns the principal of the token with key if it was verified with
// keys and is valid at now. The principal is the caller's own copy.
func (c *tokenCache) get(key tokenKey, now time.Time, keys *keySet) (*Principal, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.entries[key]
	s.mu.RUnlock()
	if !ok || e.keys != keys || now.Before(e.from) || !now.Before(e.until) {
		return nil, false
	}
	p := e.principal
	p.Scopes = slices.Clone(p.Scopes)
	return &p, true
}

// put remembers e under key. A full shard drops an arbitrary entry: Go
// starts each map iteration at a random place, so this is random eviction
// in constant time. Expired and stale entries are not searched for: they
// leave the same way, or are replaced when their token is verified again.
func (c *tokenCache) put(key tokenKey, e cachedToken) {
	e.principal.Scopes = slices.Clone(e.principal.Scopes)
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, replaces := s.entries[key]; !replaces && len(s.entries) >= s.max {
		for victim := range s.entries {
			delete(s.entries, victim)
			break
		}
	}
	s.entries[key] = e
}

// len returns the number of entries.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}
