// Package model holds the GraphQL types that have no domain type of their
// own: connections, payloads and scalars.
package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/99designs/gqlgen/graphql"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// MarshalJSON writes a JSON scalar as it is stored, without decoding it,
// only compacted: PostgreSQL writes jsonb with spaces after its commas and
// colons.
func MarshalJSON(v json.RawMessage) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var compact bytes.Buffer
		switch {
		case v == nil:
			io.WriteString(w, "null")
		case json.Compact(&compact, v) == nil:
			w.Write(compact.Bytes())
		default:
			w.Write(v)
		}
	})
}

// UnmarshalJSON reads a JSON scalar from a variable or a literal.
func UnmarshalJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return b, nil
}

// PageInfo says where a page sits in its list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

func pageInfo[T db.Sortable](p *service.Page[T]) *PageInfo {
	info := &PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPreviousPage}
	if n := len(p.Items); n > 0 {
		start, end := p.Cursor(p.Items[0]), p.Cursor(p.Items[n-1])
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}

// ContactEdge is a contact with its cursor.
type ContactEdge struct {
	Cursor string
	Node   *db.Contact
}

// ContactConnection is a page of contacts.
type ContactConnection struct {
	*service.Page[*db.Contact]
}

// Nodes returns the page's contacts.
func (c ContactConnection) Nodes() []*db.Contact { return c.Items }

// Edges returns the page's contacts with their cursors.
func (c ContactConnection) Edges() []*ContactEdge {
	edges := make([]*ContactEdge, len(c.Items))
	for i, n := range c.Items {
		edges[i] = &ContactEdge{Cursor: c.Cursor(n), Node: n}
	}
	return edges
}

// PageInfo returns where the page sits.
func (c ContactConnection) PageInfo() *PageInfo { return pageInfo(c.Page) }

// TotalCount counts the whole list.
func (c ContactConnection) TotalCount(ctx context.Context) (int, error) {
	return c.Page.TotalCount(ctx)
}

// AccountEdge is an account with its cursor.
type AccountEdge struct {
	Cursor string
	Node   *db.Account
}

// AccountConnection is a page of accounts.
type AccountConnection struct {
	*service.Page[*db.Account]
}

// Nodes returns the page's accounts.
func (c AccountConnection) Nodes() []*db.Account { return c.Items }

// Edges returns the page's accounts with their cursors.
func (c AccountConnection) Edges() []*AccountEdge {
	edges := make([]*AccountEdge, len(c.Items))
	for i, n := range c.Items {
		edges[i] = &AccountEdge{Cursor: c.Cursor(n), Node: n}
	}
	return edges
}

// PageInfo returns where the page sits.
func (c AccountConnection) PageInfo() *PageInfo { return pageInfo(c.Page) }

// TotalCount counts the whole list.
func (c AccountConnection) TotalCount(ctx context.Context) (int, error) {
	return c.Page.TotalCount(ctx)
}

// CustomFieldValue is a record's value of one custom field.
type CustomFieldValue struct {
	Slug       string
	Definition *db.CustomFieldDefinition
	Value      json.RawMessage
}
