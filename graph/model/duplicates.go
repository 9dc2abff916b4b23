package model

import (
	"context"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// DuplicateGroupEdge is a duplicate group with its cursor.
type DuplicateGroupEdge struct {
	Cursor string
	Node   *db.DuplicateGroup
}

// DuplicateGroupConnection is a page of duplicate groups.
type DuplicateGroupConnection struct {
	*service.Page[*db.DuplicateGroup]
}

// Nodes returns the page's groups.
func (c DuplicateGroupConnection) Nodes() []*db.DuplicateGroup { return c.Items }

// Edges returns the page's groups with their cursors.
func (c DuplicateGroupConnection) Edges() []*DuplicateGroupEdge {
	edges := make([]*DuplicateGroupEdge, len(c.Items))
	for i, n := range c.Items {
		edges[i] = &DuplicateGroupEdge{Cursor: c.Cursor(n), Node: n}
	}
	return edges
}

// PageInfo returns where the page sits.
func (c DuplicateGroupConnection) PageInfo() *PageInfo { return pageInfo(c.Page) }

// TotalCount counts the whole list.
func (c DuplicateGroupConnection) TotalCount(ctx context.Context) (int, error) {
	return c.Page.TotalCount(ctx)
}
