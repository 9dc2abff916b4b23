package live

import (
	"context"
	"sync"
)

// Connection is one client connection's share of the hub: how many
// subscriptions it runs, and how to close it when it does not keep up.
type Connection struct {
	mu            sync.Mutex
	subscriptions int
	slow          func()
}

// NewConnection returns a connection that slow closes when one of its
// subscribers falls more than Limits.Buffer events behind.
func NewConnection(slow func()) *Connection {
	return &Connection{slow: slow}
}

type connectionKey struct{}

// WithConnection returns ctx of the operations of connection c.
func WithConnection(ctx context.Context, c *Connection) context.Context {
	return context.WithValue(ctx, connectionKey{}, c)
}

// connectionOf returns the connection of ctx, or nil.
func connectionOf(ctx context.Context) *Connection {
	c, _ := ctx.Value(connectionKey{}).(*Connection)
	return c
}

// take counts one more subscription, unless c runs limit already; a nil
// connection is not limited.
func (c *Connection) take(limit int) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subscriptions >= limit {
		return false
	}
	c.subscriptions++
	return true
}

// give counts one subscription less.
func (c *Connection) give() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subscriptions--
}

// tooSlow closes the connection as too slow.
func (c *Connection) tooSlow() {
	if c != nil && c.slow != nil {
		c.slow()
	}
}
