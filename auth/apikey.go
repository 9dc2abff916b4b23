package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"regexp"
	"strings"
)

// An API key reads ck_<prefix>_<secret>. "ck_" makes a leaked key
// recognisable to secret scanners; the prefix is public, kept in the
// database and the logs to name the key; the secret is 43 random base62
// characters, as much entropy as 32 random bytes. Only a hash of the whole
// key is stored.
const (
	apiKeyMarker       = "ck_"
	apiKeyPrefixLength = 8
	apiKeySecretLength = 43
)

// base62 are the characters of API keys: letters and digits, so that a
// double click selects a whole key.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var apiKeyPattern = regexp.MustCompile(`^ck_[0-9A-Za-z]{8}_[0-9A-Za-z]{43}$`)

// IsAPIKey reports whether a bearer token presents itself as an API key
// rather than a JWT; only the database knows whether it is a valid one.
func IsAPIKey(token string) bool {
	return strings.HasPrefix(token, apiKeyMarker)
}

// NewAPIKey returns a new random API key and its public prefix, such as
// ck_4f9Qx2Lm. The key must be shown once and then forgotten.
func NewAPIKey() (key, prefix string) {
	prefix = apiKeyMarker + randomBase62(apiKeyPrefixLength)
	return prefix + "_" + randomBase62(apiKeySecretLength), prefix
}

// HashAPIKey returns what the database keeps of a key. SHA-256 is enough:
// the key has 256 bits of entropy, so there is nothing to guess or crack.
func HashAPIKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// APIKeyPrefix returns the public prefix of a well-formed API key, the one
// part that may be logged. For a malformed key ok is false and nothing of
// the key may be logged: it could be a secret pasted in the wrong place.
func APIKeyPrefix(key string) (prefix string, ok bool) {
	if !apiKeyPattern.MatchString(key) {
		return "", false
	}
	return key[:len(apiKeyMarker)+apiKeyPrefixLength], true
}

// randomBase62 returns n uniformly random base62 characters.
func randomBase62(n int) string {
	// Bytes from 248 up are dropped so that every character is equally
	// likely: 248 is the largest multiple of 62 that fits a byte.
	const limit = 256 - 256%len(base62)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, base62[int(b)%len(base62)])
			}
		}
	}
	return string(out)
}
