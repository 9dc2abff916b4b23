package db

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// Lists (contacts, accounts, an account's contacts) page by keyset: a page
// starts after the sort values and id of the record its cursor points at,
// never at an offset, so that pages stay stable while records are added and
// deep pages cost what the first one does.

// OrderDirection is the direction of one key of a list's order.
type OrderDirection string

// The directions of sort keys.
const (
	Ascending  OrderDirection = "ASC"
	Descending OrderDirection = "DESC"
)

// ContactOrderField is a field contacts can be sorted by.
type ContactOrderField string

// AccountOrderField is a field accounts can be sorted by.
type AccountOrderField string

// ContactOrder is one key of the order of a list of contacts.
type ContactOrder struct {
	Field     ContactOrderField
	Direction OrderDirection
}

// AccountOrder is one key of the order of a list of accounts.
type AccountOrder struct {
	Field     AccountOrderField
	Direction OrderDirection
}

// SortField is a field a list can be sorted by.
type SortField struct {
	// Column is the record's column, as Sortable.SortValue knows it.
	Column string
	// key is the SQL of the sort key, %s standing for the column or for a
	// cursor's value, so that both go through the same expression.
	key string
	// Cast is the SQL type of the field's cursor values.
	Cast string
}

// The fields that contacts and accounts share. Text sorts without regard
// to case; a missing optional text sorts as the empty string, before any
// other, so that every sort key is non-null and keyset comparisons stay
// plain row comparisons that the indexes serve.
var (
	createdAtField = SortField{Column: "created_at", key: "%s", Cast: "timestamptz"}
	updatedAtField = SortField{Column: "updated_at", key: "%s", Cast: "timestamptz"}
	nameField      = SortField{Column: "name", key: "lower(%s)", Cast: "text"}
)

// optionalText sorts an optional text column.
func optionalText(column string) SortField {
	return SortField{Column: column, key: "coalesce(lower(%s), '')", Cast: "text"}
}

// ContactSortFields are the fields contacts sort by, by GraphQL name.
var ContactSortFields = map[string]SortField{
	"CREATED_AT": createdAtField,
	"UPDATED_AT": updatedAtField,
	"NAME":       nameField,
	"EMAIL":      optionalText("email"),
}

// AccountSortFields are the fields accounts sort by, by GraphQL name.
var AccountSortFields = map[string]SortField{
	"CREATED_AT": createdAtField,
	"UPDATED_AT": updatedAtField,
	"NAME":       nameField,
	"DOMAIN":     optionalText("domain"),
}

// Sortable is a record of a sorted list: it knows its sort values.
type Sortable interface {
	Node
	// SortValue returns the value of a SortField's column.
	SortValue(column string) any
}

// SortKey is one key of a list's order.
type SortKey struct {
	Field SortField
	Desc  bool
}

// Keyset is a record's position in a sorted list: its sort values, in the
// order's keys, and its id, which breaks ties.
type Keyset struct {
	Values []any
	ID     string
}

// ListQuery asks for one page of a sorted, filtered list.
type ListQuery struct {
	// Match selects the records.
	Match Match
	// Order is the list's order; ties are broken by id, in the direction of
	// the last key.
	Order []SortKey
	// After and Before bound the page; either may be nil.
	After, Before *Keyset
	// Backward fetches the page from its end (for `last`): the records come
	// in reverse order.
	Backward bool
	// Limit is how many records to fetch.
	Limit int
	// Columns are the columns to fetch of the records, besides their keys
	// and sort values; AllColumns (the zero value) fetches all.
	Columns Columns
}

// keyColumns are the columns a page's records always need: their keys
// and the sort values that cursors point at them by.
func (lq ListQuery) keyColumns() []string {
	cols := []string{"workspace_id", "id"}
	for _, k := range lq.Order {
		cols = append(cols, k.Field.Column)
	}
	return cols
}

// selectContacts selects the columns of lq of contacts under the alias c,
// for a query without a model.
func (lq ListQuery) selectContacts(q *bun.SelectQuery) *bun.SelectQuery {
	if lq.Columns == nil {
		return q.ColumnExpr("c.*")
	}
	for _, col := range lq.Columns.with(lq.keyColumns()...) {
		q = q.ColumnExpr("c.?", bun.Ident(col))
	}
	return q
}

// apply adds the query's filter, compiled by c, bounds, order and limit
// to q, whose records are under c's alias.
func (lq ListQuery) apply(q *bun.SelectQuery, c compiler) *bun.SelectQuery {
	alias := c.alias
	q = lq.Match.apply(q, c)
	if lq.After != nil {
		q = q.Where("?", lq.keyset(alias, *lq.After, false, c.params))
	}
	if lq.Before != nil {
		q = q.Where("?", lq.keyset(alias, *lq.Before, true, c.params))
	}
	return q.OrderExpr(lq.orderBy(alias)).Limit(int64(lq.Limit))
}

// descending reports the direction in which key i (or, for i past the
// keys, the id) is fetched.
func (lq ListQuery) descending(i int) bool {
	desc := false
	if i < len(lq.Order) {
		desc = lq.Order[i].Desc
	} else if len(lq.Order) > 0 {
		desc = lq.Order[len(lq.Order)-1].Desc
	}
	return desc != lq.Backward
}

// orderBy returns the ORDER BY list in the fetch direction.
func (lq ListQuery) orderBy(alias string) string {
	terms := make([]string, 0, len(lq.Order)+1)
	for i := range len(lq.Order) + 1 {
		dir := " ASC"
		if lq.descending(i) {
			dir = " DESC"
		}
		terms = append(terms, lq.column(alias, i)+dir)
	}
	return strings.Join(terms, ", ")
}

// column returns the SQL of key i over the record's columns; past the
// keys, the id.
func (lq ListQuery) column(alias string, i int) string {
	if i == len(lq.Order) {
		return alias + ".id"
	}
	f := lq.Order[i].Field
	return fmt.Sprintf(f.key, alias+"."+f.Column)
}

// param returns the SQL of key i over a bound value.
func (lq ListQuery) param(i int) string {
	if i == len(lq.Order) {
		return "?::text"
	}
	f := lq.Order[i].Field
	return fmt.Sprintf(f.key, "?::"+f.Cast)
}

// keyset returns the condition of the records that come after the
// position k in the list's order, or before it when before is set. When
// every key goes the same way it is one row comparison, which a btree on
// the keys answers with a range scan; otherwise it is spelled out key by
// key, with a bound on the first key for the index. Its values go to
// params (see statementParams).
func (lq ListQuery) keyset(alias string, k Keyset, before bool, params *statementParams) schema.QueryWithArgs {
	n := len(lq.Order) + 1
	values := make([]any, 0, n)
	for _, v := range append(append([]any{}, k.Values...), k.ID) {
		values = append(values, params.add(v))
	}
	op := func(i int) string {
		if lq.descending(i) != lq.Backward != before {
			return "<"
		}
		return ">"
	}
	uniform := true
	for i := 1; i < n; i++ {
		uniform = uniform && op(i) == op(0)
	}
	if uniform {
		cols, params := make([]string, n), make([]string, n)
		for i := range n {
			cols[i], params[i] = lq.column(alias, i), lq.param(i)
		}
		return bun.SafeQuery("("+strings.Join(cols, ", ")+") "+op(0)+" ("+strings.Join(params, ", ")+")", values...)
	}
	var alternatives []string
	var args []any
	for i := range n {
		var terms []string
		for j := range i {
			terms = append(terms, lq.column(alias, j)+" = "+lq.param(j))
			args = append(args, values[j])
		}
		terms = append(terms, lq.column(alias, i)+" "+op(i)+" "+lq.param(i))
		args = append(args, values[i])
		alternatives = append(alternatives, "("+strings.Join(terms, " AND ")+")")
	}
	bound := lq.column(alias, 0) + " " + op(0) + "= " + lq.param(0)
	return bun.SafeQuery(bound+" AND ("+strings.Join(alternatives, " OR ")+")", append([]any{values[0]}, args...)...)
}

// statementParams are the parameters of a statement whose text Bun
// writes: a value added appears in the text as $n, its place among them,
// and travels beside the text, which then repeats whatever the values and
// can be prepared. A nil *statementParams writes the values into the text.
type statementParams struct{ list []any }

// param is a statement's parameter $n, as Bun writes it into a text.
type param int

// AppendQuery writes the parameter's placeholder.
func (p param) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	return strconv.AppendInt(append(b, '$'), int64(p), 10), nil
}

// add returns what Bun is to write into a text for v: its parameter, or,
// when ps is nil, v itself (a list of texts as an array). A workspace goes
// as its 16 bytes, where a uuid.UUID would go through its text.
func (ps *statementParams) add(v any) any {
	if ps == nil {
		if texts, ok := v.([]string); ok {
			return pgdialect.Array(texts)
		}
		return v
	}
	if ws, ok := v.(uuid.UUID); ok {
		v = pgtype.UUID{Bytes: ws, Valid: true}
	}
	ps.list = append(ps.list, v)
	return param(len(ps.list))
}

// values returns the parameters' values.
func (ps *statementParams) values() []any {
	if ps == nil {
		return nil
	}
	return ps.list
}
