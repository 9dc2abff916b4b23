package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// Page sizes of lists.
const (
	DefaultPageSize = 100
	MaxPageSize     = 999
)

// PageArgs are a list's pagination arguments, as the client sent them:
// first/after pages forward, last/before backward.
type PageArgs struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// cursorVersion is the version of the cursors this code writes; cursors of
// other versions are refused.
const cursorVersion = 2

// cursor is what a page cursor encodes: the sort values and id of the
// record it points at, and the hash of the list, filter and order it was
// made for. It is opaque to clients.
type cursor struct {
	Version int               `json:"v"`
	Values  []json.RawMessage `json:"k"`
	ID      string            `json:"id"`
	Hash    string            `json:"h"`
}

// orderKey is one key of an order as the client named it.
type orderKey struct {
	field     string
	direction db.OrderDirection
}

// defaultOrder is the order of lists without orderBy: oldest first (ids,
// which break ties, are ULIDs and sort by creation too).
var defaultOrder = []orderKey{{"CREATED_AT", db.Ascending}}

// ListRequest is a validated request for one page of a list: the store's
// query and what the page's cursors need.
type ListRequest struct {
	// Query is the store's query; it fetches one record more than the page
	// holds, to tell whether more follow.
	Query db.ListQuery
	// limit is the page size.
	limit int
	// hash identifies the list, filter and order in cursors.
	hash string
	// key identifies the whole request: hash and window.
	key string
}

// Key identifies the list, filter, order and window of the request: two
// requests with the same key fetch the same pages.
func (r *ListRequest) Key() string { return r.key }

// newListRequest validates a list's pagination and order arguments. The
// filter, already validated into match, goes into the cursors' hash, so a
// cursor of another list, filter or order is refused.
func newListRequest(list string, fields map[string]db.SortField, order []orderKey, filter any, match db.Match, args PageArgs) (*ListRequest, error) {
	if len(order) == 0 {
		order = defaultOrder
	}
	keys, err := sortKeys(fields, order)
	if err != nil {
		return nil, err
	}
	filterJSON, err := json.Marshal(filter)
	if err != nil {
		return nil, fmt.Errorf("hash filter: %w", err)
	}
	orderJSON, _ := json.Marshal(mapSlice(order, func(k orderKey) string { return k.field + " " + string(k.direction) }))
	sum := sha256.Sum256(slices.Concat([]byte(list+"\x00"), filterJSON, []byte("\x00"), orderJSON))
	r := &ListRequest{hash: base64.RawURLEncoding.EncodeToString(sum[:9]), Query: db.ListQuery{Match: match, Order: keys}}
	if err := r.window(args); err != nil {
		return nil, err
	}
	r.key = fmt.Sprintf("%s/%d/%v/%s/%s", r.hash, r.limit, r.Query.Backward, deref(args.After), deref(args.Before))
	return r, nil
}

// sortKeys resolves the fields of an order; a field may come once.
func sortKeys(fields map[string]db.SortField, order []orderKey) ([]db.SortKey, error) {
	keys := make([]db.SortKey, len(order))
	for i, o := range order {
		if slices.ContainsFunc(order[:i], func(p orderKey) bool { return p.field == o.field }) {
			return nil, badInput("orderBy names %s twice.", o.field)
		}
		f, ok := fields[o.field]
		if !ok {
			return nil, badInput("This list cannot be sorted by %s.", o.field)
		}
		keys[i] = db.SortKey{Field: f, Desc: o.direction == db.Descending}
	}
	return keys, nil
}

// window validates the page size and cursors.
func (r *ListRequest) window(args PageArgs) error {
	if args.First != nil && args.Last != nil {
		return badInput("Give first or last, not both.")
	}
	r.limit = DefaultPageSize
	for name, size := range map[string]*int{"first": args.First, "last": args.Last} {
		if size == nil {
			continue
		}
		if *size < 1 || *size > MaxPageSize {
			return badInput("%s must be from 1 to %d, not %d.", name, MaxPageSize, *size)
		}
		r.limit = *size
	}
	r.Query.Limit = r.limit + 1
	r.Query.Backward = args.Last != nil
	var err error
	if args.After != nil {
		r.Query.After, err = r.decodeCursor(*args.After)
	}
	if err == nil && args.Before != nil {
		r.Query.Before, err = r.decodeCursor(*args.Before)
	}
	return err
}

// Cursor returns the cursor of a record of the list.
func (r *ListRequest) Cursor(record db.Sortable) string {
	c := cursor{Version: cursorVersion, ID: record.NodeID(), Hash: r.hash}
	for _, k := range r.Query.Order {
		v, _ := json.Marshal(record.SortValue(k.Field.Column))
		c.Values = append(c.Values, v)
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the position a cursor of this list points at.
func (r *ListRequest) decodeCursor(s string) (*db.Keyset, error) {
	invalid := badInput("The cursor %q is not valid.", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Version != cursorVersion || c.ID == "" {
		return nil, invalid
	}
	if c.Hash != r.hash || len(c.Values) != len(r.Query.Order) {
		return nil, badInput("The cursor %q belongs to another list, filter or order; page from the start without it.", s)
	}
	k := &db.Keyset{ID: c.ID, Values: make([]any, len(c.Values))}
	for i, v := range c.Values {
		if k.Values[i], err = decodeSortValue(r.Query.Order[i].Field.Cast, v); err != nil {
			return nil, invalid
		}
	}
	return k, nil
}

// decodeSortValue reads a cursor's value of a field of SQL type cast.
func decodeSortValue(cast string, v json.RawMessage) (any, error) {
	if cast == "timestamptz" {
		var t time.Time
		err := json.Unmarshal(v, &t)
		return t, err
	}
	var s *string
	err := json.Unmarshal(v, &s)
	return s, err
}

// Page is one page of a list.
type Page[T db.Sortable] struct {
	Items           []T
	HasNextPage     bool
	HasPreviousPage bool
	count           func(context.Context) (int, error)
	req             *ListRequest
}

// NewPage makes a page from the records fetched for req: up to one more
// than the page holds, in fetch order (backward for `last`). With a cursor
// on one side, records are taken to exist on that side.
func NewPage[T db.Sortable](items []T, req *ListRequest, count func(context.Context) (int, error)) *Page[T] {
	p := &Page[T]{count: count, req: req}
	more := len(items) > req.limit
	if more {
		items = items[:req.limit]
	}
	p.Items = slices.Clone(items)
	if req.Query.Backward {
		slices.Reverse(p.Items)
		p.HasPreviousPage, p.HasNextPage = more || req.Query.After != nil, req.Query.Before != nil
	} else {
		p.HasNextPage, p.HasPreviousPage = more || req.Query.Before != nil, req.Query.After != nil
	}
	return p
}

// Cursor returns the cursor of one of the page's records.
func (p *Page[T]) Cursor(record T) string { return p.req.Cursor(record) }

// TotalCount counts the whole list; it runs only when a client asks.
func (p *Page[T]) TotalCount(ctx context.Context) (int, error) {
	return p.count(ctx)
}

// DefaultContactList validates paging arguments for the unfiltered list of
// contacts in its default order, as `contacts` without filter and orderBy
// reads it; tools that page like a client (the benchmark) use it.
func DefaultContactList(args PageArgs) (*ListRequest, error) {
	return newListRequest("contacts", db.ContactSortFields, nil, (*db.ContactFilter)(nil), db.Match{}, args)
}

// ContactList validates the arguments of a list of contacts.
func (s *Service) ContactList(ctx context.Context, args PageArgs, filter *db.ContactFilter, orderBy []*db.ContactOrder) (*ListRequest, error) {
	match, err := s.contactMatch(ctx, filter)
	if err != nil {
		return nil, err
	}
	order := mapSlice(orderBy, func(o *db.ContactOrder) orderKey { return orderKey{string(o.Field), o.Direction} })
	return newListRequest("contacts", db.ContactSortFields, order, filter, match, args)
}

// Contacts returns a page of the workspace's contacts: cols of them
// besides their keys and sort values, or every column (db.AllColumns).
func (s *Service) Contacts(ctx context.Context, args PageArgs, filter *db.ContactFilter, orderBy []*db.ContactOrder, cols db.Columns) (*Page[*db.Contact], error) {
	req, err := s.ContactList(ctx, args, filter, orderBy)
	if err != nil {
		return nil, err
	}
	req.Query.Columns = cols
	return listPage(ctx, req, s.store.ListContacts, s.store.CountContacts)
}

// Accounts returns a page of the workspace's accounts.
func (s *Service) Accounts(ctx context.Context, args PageArgs, filter *db.AccountFilter, orderBy []*db.AccountOrder) (*Page[*db.Account], error) {
	match, err := s.accountMatch(ctx, filter)
	if err != nil {
		return nil, err
	}
	order := mapSlice(orderBy, func(o *db.AccountOrder) orderKey { return orderKey{string(o.Field), o.Direction} })
	req, err := newListRequest("accounts", db.AccountSortFields, order, filter, match, args)
	if err != nil {
		return nil, err
	}
	return listPage(ctx, req, s.store.ListAccounts, s.store.CountAccounts)
}

// listPage fetches one page of a list in the caller's workspace; the
// count runs only if the client asks for totalCount.
func listPage[T db.Sortable](
	ctx context.Context, req *ListRequest,
	list func(context.Context, uuid.UUID, db.ListQuery) ([]T, error),
	count func(context.Context, uuid.UUID, db.Match) (int, error),
) (*Page[T], error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	items, err := list(ctx, ws, req.Query)
	if err != nil {
		return nil, err
	}
	return NewPage(items, req, func(ctx context.Context) (int, error) { return count(ctx, ws, req.Query.Match) }), nil
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
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
