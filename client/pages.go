package client

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// AllContacts pages through the workspace's contacts, oldest first,
// pageSize (1 to 999) at a time. It stops at the first error, which it
// yields with a nil contact.
func AllContacts(ctx context.Context, c graphql.Client, pageSize int) iter.Seq2[*ContactFields, error] {
	return pages(nil, func(after *string) ([]*ContactFields, *PageInfo, error) {
		resp, err := Contacts(ctx, c, &pageSize, after)
		if err != nil {
			return nil, nil, err
		}
		return resp.Contacts.Nodes, resp.Contacts.PageInfo, nil
	})
}

// EventsAfter pages through the change feed after the cursor after (from
// its start when nil), pageSize (1 to 999) at a time, up to its present
// end, keeping the events of types (all when empty). It yields each event
// with its cursor: keep the last cursor, and poll from it next time. It
// stops at the first error, which it yields with a nil event; an error
// whose code IsCursorExpired says means the cursor is past the events the
// server keeps: resync in full, then read the feed from its start.
func EventsAfter(ctx context.Context, c graphql.Client, after *string, pageSize int, types []EventType) iter.Seq2[*EventEdge, error] {
	return pages(after, func(after *string) ([]*EventEdge, *PageInfo, error) {
		resp, err := Events(ctx, c, &pageSize, after, types)
		if err != nil {
			return nil, nil, err
		}
		return resp.Events.Edges, resp.Events.PageInfo, nil
	})
}

// AllDuplicateGroups pages through the workspace's groups of likely
// duplicate contacts, pageSize (1 to 999) at a time, of one reason (all
// when nil), in the server's order: by reason, then account, then key. It
// stops at the first error, which it yields with a nil group. Merging a
// group while paging is safe: cursors point at a group's key, so the next
// page starts where it was.
func AllDuplicateGroups(ctx context.Context, c graphql.Client, pageSize int, reason *DuplicateReason) iter.Seq2[*DuplicateGroup, error] {
	return pages(nil, func(after *string) ([]*DuplicateGroup, *PageInfo, error) {
		resp, err := DuplicateContacts(ctx, c, &pageSize, after, reason)
		if err != nil {
			return nil, nil, err
		}
		return resp.DuplicateContacts.Nodes, resp.DuplicateContacts.PageInfo, nil
	})
}

// pages yields the items of the pages that page returns, from the cursor
// after on, each page's end cursor asking for the next, until a page says
// it is the last. It stops at the first error, which it yields with a
// zero item.
func pages[T any](after *string, page func(after *string) ([]T, *PageInfo, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, info, err := page(after)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if !info.HasNextPage {
				return
			}
			after = info.EndCursor
		}
	}
}

// MergeGroup merges a duplicate group into its oldest contact, as the
// group's contactIds are ordered for: the first is kept and the others
// (at most 100) are merged into it and deleted. A group of more than 101
// contacts has more after the merge: ask for the groups again.
func MergeGroup(ctx context.Context, c graphql.Client, group *DuplicateGroup) (*MergeContactsResponse, error) {
	if len(group.ContactIds) < 2 {
		return nil, fmt.Errorf("the %s group %q has %d contact ids; a merge needs 2 or more", group.Reason, group.Key, len(group.ContactIds))
	}
	return MergeContacts(ctx, c, group.ContactIds[0], group.ContactIds[1:])
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
