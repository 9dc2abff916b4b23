package client

import (
	"context"
	"iter"

	"github.com/Khan/genqlient/graphql"
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
