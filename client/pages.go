package client

import (
	"context"
	"errors"
	"iter"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// AllContacts pages through the workspace's contacts, oldest first,
// pageSize (1 to 999) at a time. It stops at the first error, which it
// yields with a nil contact.
func AllContacts(ctx context.Context, c graphql.Client, pageSize int) iter.Seq2[*ContactFields, error] {
	return func(yield func(*ContactFields, error) bool) {
		var after *string
		for {
			resp, err := Contacts(ctx, c, &pageSize, after)
			if err != nil {
				yield(nil, err)
				return
			}
			page := resp.Contacts
			for _, contact := range page.Nodes {
				if !yield(contact, nil) {
					return
				}
			}
			if !page.PageInfo.HasNextPage {
				return
			}
			after = page.PageInfo.EndCursor
		}
	}
}

// EventsAfter pages through the change feed after the cursor after (from
// its start when nil), pageSize (1 to 999) at a time, up to its present
// end, keeping the events of types (all when empty). It yields each event
// with its cursor: keep the last cursor, and poll from it next time. It
// stops at the first error, which it yields with a nil event; an error
// whose code IsCursorExpired says means the cursor is past the events the
// server keeps: resync in full, then read the feed from its start.
func EventsAfter(ctx context.Context, c graphql.Client, after *string, pageSize int, types []EventType) iter.Seq2[*EventEdge, error] {
	return func(yield func(*EventEdge, error) bool) {
		for {
			resp, err := Events(ctx, c, &pageSize, after, types)
			if err != nil {
				yield(nil, err)
				return
			}
			page := resp.Events
			for _, edge := range page.Edges {
				if !yield(edge, nil) {
					return
				}
			}
			if !page.PageInfo.HasNextPage {
				return
			}
			after = page.PageInfo.EndCursor
		}
	}
}

// IsCursorExpired reports whether err is the server's CURSOR_EXPIRED: a
// feed cursor older than the events it keeps.
func IsCursorExpired(err error) bool {
	var list gqlerror.List
	if !errors.As(err, &list) {
		return false
	}
	for _, e := range list {
		if e.Extensions["code"] == "CURSOR_EXPIRED" {
			return true
		}
	}
	return false
}
