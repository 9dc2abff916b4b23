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
	return pageInfoOf(c.Items, c.Cursor, c.HasNextPage, c.HasPreviousPage)
}

// WebhookDeliveryEdge is a delivery with its cursor.
type WebhookDeliveryEdge struct {
	Cursor string
	Node   *db.WebhookDelivery
}

// WebhookDeliveryConnection is a page of webhook deliveries.
type WebhookDeliveryConnection struct {
	*service.DeliveryPage
}

// Nodes returns the page's deliveries.
func (c WebhookDeliveryConnection) Nodes() []*db.WebhookDelivery { return c.Items }

// Edges returns the page's deliveries with their cursors.
func (c WebhookDeliveryConnection) Edges() []*WebhookDeliveryEdge {
	edges := make([]*WebhookDeliveryEdge, len(c.Items))
	for i, n := range c.Items {
		edges[i] = &WebhookDeliveryEdge{Cursor: c.Cursor(n), Node: n}
	}
	return edges
}

// PageInfo returns where the page sits.
func (c WebhookDeliveryConnection) PageInfo() *PageInfo {
	return pageInfoOf(c.Items, c.Cursor, c.HasNextPage, c.HasPreviousPage)
}

// pageInfoOf says where a page of items sits, with the cursors of its
// first and last.
func pageInfoOf[T any](items []T, cursor func(T) string, hasNext, hasPrevious bool) *PageInfo {
	info := &PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrevious}
	if n := len(items); n > 0 {
		start, end := cursor(items[0]), cursor(items[n-1])
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}
