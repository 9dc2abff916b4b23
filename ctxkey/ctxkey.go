// Package ctxkey declares the keys of the values that a request carries
// in its context, each with the type of its value: a package declares its
// key once (var principalKey = ctxkey.New[*Principal]("auth.principal"))
// and stores and reads through it, instead of a private key type, a
// With function and a type-asserting accessor of its own per value.
package ctxkey

import "context"

// Key is a context key whose values are of type T. Keys are compared by
// address, so each key that New returns is distinct from every other,
// whatever its name or type; a package that keeps its key unexported
// keeps its value to itself, as a private key type did.
type Key[T any] struct {
	// name is for reading a context printed while debugging; its size
	// also keeps two keys from sharing one address, as values of size
	// zero may.
	name string
}

// New returns a new key for values of type T, named name.
func New[T any](name string) *Key[T] { return &Key[T]{name: name} }

// With returns a copy of ctx in which k holds v.
func (k *Key[T]) With(ctx context.Context, v T) context.Context {
	return context.WithValue(ctx, k, v)
}

// Value returns what k holds in ctx, or T's zero value when it holds
// nothing.
func (k *Key[T]) Value(ctx context.Context) T {
	v, _ := ctx.Value(k).(T)
	return v
}

// Lookup returns what k holds in ctx, and whether it holds anything (for
// a T whose zero value is a value of its own).
func (k *Key[T]) Lookup(ctx context.Context) (T, bool) {
	v, ok := ctx.Value(k).(T)
	return v, ok
}

// String returns the key's name, which context prints for the key.
func (k *Key[T]) String() string { return k.name }
