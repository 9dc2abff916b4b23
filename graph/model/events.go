package model

import (
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// EventEdge is an event with its cursor.
type EventEdge struct {
	Cursor string
	Node   *db.Event
}

// EventConnection is a page of events.
type EventConnection struct {
	*service.EventPage
}

// Nodes returns the page's events.
func (c EventConnection) Nodes() []*db.Event { return c.Items }

// Edges returns the page's events with their cursors.
func (c EventConnection) Edges() []*EventEdge {
	edges := make([]*EventEdge, len(c.Items))
	for i, n := range c.Items {
		edges[i] = &EventEdge{Cursor: c.Cursor(n), Node: n}
	}
	return edges
}

// PageInfo returns where the page sits.
func (c EventConnection) PageInfo() *PageInfo {
	info := &PageInfo{HasNextPage: c.HasNextPage, HasPreviousPage: c.HasPreviousPage}
	if n := len(c.Items); n > 0 {
		start, end := c.Cursor(c.Items[0]), c.Cursor(c.Items[n-1])
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}
