package auth

import (
	"crypto/rand"
	"testing"
	"time"
)

// TestTokenCacheFillsToItsBound puts twice as many tokens as the cache
// holds: it must end full, neither larger nor smaller.
func TestTokenCacheFillsToItsBound(t *testing.T) {
	t.Parallel()
	c := newTokenCache(maxCachedTokens)
	until := time.Now().Add(time.Minute)
	for range 2 * maxCachedTokens {
		var key tokenKey
		rand.Read(key[:])
		c.put(key, cachedToken{until: until})
	}
	if n := c.len(); n != maxCachedTokens {
		t.Fatalf("after %d tokens the cache holds %d; want %d", 2*maxCachedTokens, n, maxCachedTokens)
	}
}
