package service

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// Page sizes of lists.
const (
	DefaultPageSize = 100
	MaxPageSize     = 999
)

// PageArgs are a list's pagination arguments, as the client sent them.
type PageArgs struct {
	First *int
	After *string
}

// cursor is what a page cursor encodes: the id of the record it points at.
// It is opaque to clients; the version field leaves room for other orders.
type cursor struct {
	Version int    `json:"v"`
	ID      string `json:"id"`
}

// EncodeCursor returns the cursor of the record with id.
func EncodeCursor(id string) string {
	b, _ := json.Marshal(cursor{Version: 1, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the id a cursor points at.
func decodeCursor(s string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.Version != 1 || c.ID == "" {
		return "", badInput("The cursor %q is not valid.", s)
	}
	return c.ID, nil
}

// Window is a validated page request: the records after AfterID, up to Limit.
type Window struct {
	AfterID string
	Limit   int
}

// Window validates the arguments of a list.
func (a PageArgs) Window() (Window, error) {
	w := Window{Limit: DefaultPageSize}
	if a.First != nil {
		if *a.First < 1 || *a.First > MaxPageSize {
			return w, badInput("first must be from 1 to %d, not %d.", MaxPageSize, *a.First)
		}
		w.Limit = *a.First
	}
	if a.After != nil {
		id, err := decodeCursor(*a.After)
		if err != nil {
			return w, err
		}
		w.AfterID = id
	}
	return w, nil
}

// Page is one page of a list.
type Page[T db.Node] struct {
	Items       []T
	HasNextPage bool
	// HasPreviousPage is whether records precede the page; with forward
	// pagination that is whether a cursor was given.
	HasPreviousPage bool
	count           func(context.Context) (int, error)
}

// NewPage makes a page from up to Limit+1 records fetched for window w.
func NewPage[T db.Node](items []T, w Window, count func(context.Context) (int, error)) *Page[T] {
	p := &Page[T]{Items: items, HasPreviousPage: w.AfterID != "", count: count}
	if len(items) > w.Limit {
		p.Items, p.HasNextPage = items[:w.Limit], true
	}
	return p
}

// TotalCount counts the whole list; it runs only when a client asks.
func (p *Page[T]) TotalCount(ctx context.Context) (int, error) {
	return p.count(ctx)
}

// Contacts returns a page of the workspace's contacts.
func (s *Service) Contacts(ctx context.Context, args PageArgs) (*Page[*db.Contact], error) {
	return listPage(ctx, args, s.store.ListContacts, s.store.CountContacts)
}

// Accounts returns a page of the workspace's accounts.
func (s *Service) Accounts(ctx context.Context, args PageArgs) (*Page[*db.Account], error) {
	return listPage(ctx, args, s.store.ListAccounts, s.store.CountAccounts)
}

// listPage fetches one page of a list in the caller's workspace; the
// count runs only if the client asks for totalCount.
func listPage[T db.Node](
	ctx context.Context, args PageArgs,
	list func(context.Context, uuid.UUID, string, int) ([]T, error),
	count func(context.Context, uuid.UUID) (int, error),
) (*Page[T], error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	w, err := args.Window()
	if err != nil {
		return nil, err
	}
	items, err := list(ctx, ws, w.AfterID, w.Limit+1)
	if err != nil {
		return nil, err
	}
	return NewPage(items, w, func(ctx context.Context) (int, error) { return count(ctx, ws) }), nil
}

// CheckOneOf checks that exactly one of a lookup's id and externalId is given.
func CheckOneOf(id, externalID *string) error {
	if (id == nil) == (externalID == nil) {
		return badInput("Give exactly one of id and externalId.")
	}
	return nil
}

// PortalRoles lists the workspace's portal roles.
func (s *Service) PortalRoles(ctx context.Context) ([]*db.PortalRole, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.ListPortalRoles(ctx, ws)
}
