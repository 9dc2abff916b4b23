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
	return NewIDs(prefix, 1)[0]
}

// NewIDs returns n new ids for records of the kind that prefix names, in
// ascending order. Bulk writers use it to take the entropy lock once.
func NewIDs(prefix string, n int) []string {
	ids := make([]string, n)
	entropyMu.Lock()
	defer entropyMu.Unlock()
	now := ulid.Timestamp(time.Now())
	for i := range ids {
		ids[i] = prefix + ulid.MustNew(now, entropy).String()
	}
	return ids
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
