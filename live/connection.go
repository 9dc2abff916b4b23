package live

import (
	"context"
	"sync"

	"github.com/contacts-api/contacts/ctxkey"
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

// connectionKey holds the connection of an operation's context.
var connectionKey = ctxkey.New[*Connection]("live.connection")

// WithConnection returns ctx of the operations of connection c.
func WithConnection(ctx context.Context, c *Connection) context.Context {
	return connectionKey.With(ctx, c)
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
