package db

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Prefixes of the global ids, one per kind of record. A ULID follows the
// prefix, so ids sort by creation time.
const (
	ContactPrefix    = "contact_"
	AccountPrefix    = "account_"
	PhonePrefix      = "phone_"
	PortalRolePrefix = "portal_role_"
	APIKeyPrefix     = "api_key_"
)

var (
	entropyMu sync.Mutex
	entropy   = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a new id for a record of the kind that prefix names.
func NewID(prefix string) string {
	entropyMu.Lock()
	defer entropyMu.Unlock()
	return prefix + ulid.MustNew(ulid.Timestamp(time.Now()), entropy).String()
}

// HasPrefix reports whether id is a well-formed id of the kind that prefix
// names, so that lookups can skip the database for ids that cannot exist.
func HasPrefix(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}
