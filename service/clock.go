package service

import "time"

// writeTime is the time every write the service sets in Go records
// (createdAt, updatedAt). PostgreSQL keeps timestamps to the microsecond,
// so a finer time would be answered by the mutation and then lost in the
// row: truncating here makes what a mutation returns what a later read
// returns, byte for byte. Truncating, not rounding, is what the driver
// does with a finer time.
func writeTime() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}
