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

// Edge is a record of a page with its cursor.
type Edge[N any] struct {
	Cursor string
	Node   N
}

// edges returns the items of a page with their cursors.
func edges[N any](items []N, cursor func(N) string) []*Edge[N] {
	out := make([]*Edge[N], len(items))
	for i, n := range items {
		out[i] = &Edge[N]{Cursor: cursor(n), Node: n}
	}
	return out
}

// Connection is a page of a list that counts its records.
type Connection[N db.Sortable] struct {
	*service.Page[N]
}

// Nodes returns the page's records.
func (c Connection[N]) Nodes() []N { return c.Items }

// Edges returns the page's records with their cursors.
func (c Connection[N]) Edges() []*Edge[N] { return edges(c.Items, c.Cursor) }

// PageInfo returns where the page sits.
func (c Connection[N]) PageInfo() *PageInfo {
	return pageInfoOf(c.Items, c.Cursor, c.HasNextPage, c.HasPreviousPage)
}

// TotalCount counts the whole list.
func (c Connection[N]) TotalCount(ctx context.Context) (int, error) {
	return c.Page.TotalCount(ctx)
}

// The connections and edges of the lists, by the names of their GraphQL
// types, which gqlgen binds them by (autobind in gqlgen.yml).
type (
	ContactEdge              = Edge[*db.Contact]
	ContactConnection        = Connection[*db.Contact]
	AccountEdge              = Edge[*db.Account]
	AccountConnection        = Connection[*db.Account]
	DuplicateGroupEdge       = Edge[*db.DuplicateGroup]
	DuplicateGroupConnection = Connection[*db.DuplicateGroup]
	EventEdge                = Edge[*db.Event]
	WebhookDeliveryEdge      = Edge[*db.WebhookDelivery]
)

// CustomFieldValue is a record's value of one custom field.
type CustomFieldValue struct {
	Slug       string
	Definition *db.CustomFieldDefinition
	Value      json.RawMessage
}
