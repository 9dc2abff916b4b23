package service

import (
	"errors"
	"fmt"
	"strconv"
)

// Codes of the errors that reach clients as GraphQL errors, in
// extensions.code. Anything else is shown as INTERNAL.
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeInternal        = "INTERNAL"
	// CodeUnavailable says the database could not be reached and the
	// request wrote nothing: it may be sent again as it is.
	CodeUnavailable = "UNAVAILABLE"
	// CodeCursorExpired says a change feed cursor points before the
	// events kept: the client resyncs in full and reads the feed anew.
	CodeCursorExpired = "CURSOR_EXPIRED"
)

// Error is a failure that is safe to show to the client as a GraphQL error.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// badInput returns a BAD_USER_INPUT error.
func badInput(format string, args ...any) error {
	return &Error{Code: CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the client-safe error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrorCode says why a mutation's input was refused.
type ErrorCode string

// The codes of user errors.
const (
	Required          ErrorCode = "REQUIRED"
	Invalid           ErrorCode = "INVALID"
	TooLong           ErrorCode = "TOO_LONG"
	AlreadyExists     ErrorCode = "ALREADY_EXISTS"
	NotFound          ErrorCode = "NOT_FOUND"
	MutuallyExclusive ErrorCode = "MUTUALLY_EXCLUSIVE"
	InUse             ErrorCode = "IN_USE"
	LimitExceeded     ErrorCode = "LIMIT_EXCEEDED"
	Stale             ErrorCode = "STALE"
)

// UserError is a problem with one field of a mutation's input. User errors
// are data in the mutation's payload, not GraphQL errors.
type UserError struct {
	Field   []string
	Code    ErrorCode
	Message string
}

// path is the location of an input field, such as input.phones.2.number.
type path []string

// at returns the path of a child field or list index.
func (p path) at(keys ...any) path {
	out := make(path, len(p), len(p)+len(keys))
	copy(out, p)
	for _, k := range keys {
		switch k := k.(type) {
		case int:
			out = append(out, strconv.Itoa(k))
		default:
			out = append(out, fmt.Sprint(k))
		}
	}
	return out
}

// problems collects the user errors of one mutation.
type problems []*UserError

func (ps *problems) add(field path, code ErrorCode, format string, args ...any) {
	*ps = append(*ps, &UserError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// errRejected aborts a transaction whose input turned out to be refused
// once the database was consulted; the user errors travel beside it.
var errRejected = errors.New("input rejected")
