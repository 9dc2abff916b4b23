package model

import (
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// EventConnection is a page of events.
type EventConnection struct {
	*service.EventPage
}

// Nodes returns the page's events.
func (c EventConnection) Nodes() []*db.Event { return c.Items }

// Edges returns the page's events with their cursors.
func (c EventConnection) Edges() []*EventEdge { return edges(c.Items, c.Cursor) }

// PageInfo returns where the page sits.
func (c EventConnection) PageInfo() *PageInfo {
	return pageInfoOf(c.Items, c.Cursor, c.HasNextPage, c.HasPreviousPage)
}

// WebhookDeliveryConnection is a page of webhook deliveries.
type WebhookDeliveryConnection struct {
	*service.DeliveryPage
}

// Nodes returns the page's deliveries.
func (c WebhookDeliveryConnection) Nodes() []*db.WebhookDelivery { return c.Items }

// Edges returns the page's deliveries with their cursors.
func (c WebhookDeliveryConnection) Edges() []*WebhookDeliveryEdge { return edges(c.Items, c.Cursor) }

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
