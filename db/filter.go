package db

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// The filters of lists. The service validates them (depth, operators that
// fit each custom field's type); this file compiles them into SQL
// conditions whose every value is a bound parameter.

// IDFilter matches an id.
type IDFilter struct {
	Equals *string
	In     []string
	NotIn  []string
}

// StringFilter matches a text without regard to case.
type StringFilter struct {
	Equals     *string
	In         []string
	NotIn      []string
	Contains   *string
	StartsWith *string
	IsSet      *bool
}

// TimeFilter matches an instant.
type TimeFilter struct {
	Before *time.Time
	After  *time.Time
}

// TagsFilter matches a record's tags.
type TagsFilter struct {
	HasAny  []string
	HasAll  []string
	HasNone []string
}

// CustomFieldFilter matches the value of one custom field.
type CustomFieldFilter struct {
	Slug     string
	Equals   json.RawMessage
	In       []json.RawMessage
	NotIn    []json.RawMessage
	Contains *string
	Gt       json.RawMessage
	Lt       json.RawMessage
	IsSet    *bool
}

// RecordFilter holds the conditions that contacts and accounts share.
type RecordFilter struct {
	Search       *string
	ID           *IDFilter
	ExternalID   *StringFilter
	Name         *StringFilter
	Tags         *TagsFilter
	CreatedAt    *TimeFilter
	UpdatedAt    *TimeFilter
	CustomFields []*CustomFieldFilter
}

// ContactFilter selects contacts: every condition given must hold.
type ContactFilter struct {
	RecordFilter
	Email        *StringFilter
	Phone        *StringFilter
	AccountID    *IDFilter
	PortalRoleID *IDFilter
	PortalRole   *StringFilter
	And          []*ContactFilter
	Or           []*ContactFilter
	Not          *ContactFilter
}

// AccountFilter selects accounts: every condition given must hold.
type AccountFilter struct {
	RecordFilter
	Domain *StringFilter
	And    []*AccountFilter
	Or     []*AccountFilter
	Not    *AccountFilter
}

// Filter is a filter the store can compile.
type Filter interface {
	where(c *compiler) schema.QueryWithArgs
}

// Match is a list's filter with the types of the custom fields it names.
type Match struct {
	// Filter is nil to match every record.
	Filter Filter
	// CustomFieldTypes are the types of the custom fields, by slug.
	CustomFieldTypes map[string]CustomFieldType
}

// apply adds the filter's condition, compiled by c, to q.
func (m Match) apply(q *bun.SelectQuery, c compiler) *bun.SelectQuery {
	if m.Filter == nil {
		return q
	}
	c.types = m.CustomFieldTypes
	return q.Where("?", m.Filter.where(&c))
}

// compiler turns filters into conditions on the records under alias.
type compiler struct {
	alias string
	ws    any
	// views says that the statement reads the tables' views (see table).
	views bool
	types map[string]CustomFieldType
	// params takes the values of a page's bounds (see statementParams).
	params *statementParams
}

// filters returns the compiler of filters on the records of ws under
// alias, for statements that s runs.
func (s *Store) filters(alias string, ws any) compiler {
	return compiler{alias: alias, ws: ws, views: s.rowSecurity}
}

// viewed are the tables that lists and filters read through a view under
// row-level security (visible_*, db/migrations): the view
// holds their rows to the transaction's workspace as the policy does, but
// is no security barrier, so that the planner may use the indexes of the
// texts and arrays these statements test (trigrams, the order's btree,
// tags), whose operators are not leakproof.
var viewed = map[string]string{"contacts": "visible_contacts", "accounts": "visible_accounts", "phones": "visible_phones"}

// table names what the statement reads of table: its view under
// row-level security, if it has one, else the table.
func (c *compiler) table(name string) string {
	if view, ok := viewed[name]; ok && c.views {
		return view
	}
	return name
}

func (c *compiler) col(name string) string { return c.alias + "." + name }

var (
	sqlTrue  = bun.SafeQuery("TRUE")
	sqlFalse = bun.SafeQuery("FALSE")
)

// join combines terms with op (" AND ", " OR "); empty is whenEmpty.
func join(op string, terms []schema.QueryWithArgs, whenEmpty schema.QueryWithArgs) schema.QueryWithArgs {
	if len(terms) == 0 {
		return whenEmpty
	}
	args := make([]any, len(terms))
	for i, t := range terms {
		args[i] = t
	}
	return bun.SafeQuery("("+strings.TrimSuffix(strings.Repeat("(?)"+op, len(terms)), op)+")", args...)
}

func and(terms []schema.QueryWithArgs) schema.QueryWithArgs { return join(" AND ", terms, sqlTrue) }
func or(terms []schema.QueryWithArgs) schema.QueryWithArgs  { return join(" OR ", terms, sqlFalse) }
func not(term schema.QueryWithArgs) schema.QueryWithArgs    { return bun.SafeQuery("NOT (?)", term) }

// where compiles a contact filter.
func (f *ContactFilter) where(c *compiler) schema.QueryWithArgs {
	terms := f.RecordFilter.terms(c, contactSearch)
	terms = append(terms, c.text(f.Email, c.searched(direct(c.col("email"), optionalText("email").key), contactSearch))...)
	terms = append(terms, c.text(f.Phone, c.phones())...)
	terms = append(terms, c.ids(f.AccountID, c.memberships())...)
	terms = append(terms, c.ids(f.PortalRoleID, direct(c.col("portal_role_id"), "%s"))...)
	terms = append(terms, c.text(f.PortalRole, c.portalRoles())...)
	return and(append(terms, nested(c, f.And, f.Or, f.Not)...))
}

// where compiles an account filter.
func (f *AccountFilter) where(c *compiler) schema.QueryWithArgs {
	terms := f.RecordFilter.terms(c, accountSearch)
	terms = append(terms, c.text(f.Domain, c.searched(direct(c.col("domain"), optionalText("domain").key), accountSearch))...)
	return and(append(terms, nested(c, f.And, f.Or, f.Not)...))
}

// nested compiles the and, or and not of a filter: every one of and must
// match (none: no condition), one of or (none: nothing matches), and not
// must not.
func nested[T any, F interface {
	*T
	Filter
}](c *compiler, allOf, anyOf []F, none F) []schema.QueryWithArgs {
	var terms []schema.QueryWithArgs
	for _, g := range allOf {
		terms = append(terms, g.where(c))
	}
	if anyOf != nil {
		alternatives := make([]schema.QueryWithArgs, len(anyOf))
		for i, g := range anyOf {
			alternatives[i] = g.where(c)
		}
		terms = append(terms, or(alternatives))
	}
	if none != nil {
		terms = append(terms, not(none.where(c)))
	}
	return terms
}

// terms compiles the shared conditions; search is the record's search text.
func (f *RecordFilter) terms(c *compiler, search searchText) []schema.QueryWithArgs {
	var terms []schema.QueryWithArgs
	if f.Search != nil {
		terms = append(terms, c.search(*f.Search, search))
	}
	terms = append(terms, c.ids(f.ID, direct(c.col("id"), "%s"))...)
	terms = append(terms, c.text(f.ExternalID, c.searched(direct(c.col("external_id"), "lower(%s)"), search))...)
	terms = append(terms, c.text(f.Name, c.searched(direct(c.col("name"), nameField.key), search))...)
	terms = append(terms, c.tags(f.Tags)...)
	terms = append(terms, c.times(c.col("created_at"), f.CreatedAt)...)
	terms = append(terms, c.times(c.col("updated_at"), f.UpdatedAt)...)
	for _, cf := range f.CustomFields {
		terms = append(terms, c.customField(cf)...)
	}
	return terms
}

// field is something a filter operator applies to: a column of the
// record, or a column of rows related to it (a contact's phones).
type field struct {
	// key is the SQL of the value that equality compares, lowercased.
	key string
	// like is the SQL of the lowercased value, null when unset, that
	// contains matches.
	like string
	// set is the condition that the value is set ("" when always set).
	set string
	// prefilter, when set, is the condition that an indexed text that
	// contains like's value is LIKE a pattern: contains also tests it, so
	// that the trigram index finds the candidates.
	prefilter func(pattern string) schema.QueryWithArgs
	// related wraps a condition on the value into one on the record.
	related func(cond schema.QueryWithArgs) schema.QueryWithArgs
	// normalize turns a filter value into the form the column holds.
	normalize func(string) string
}

// direct is a column of the record; key is a template over it.
func direct(column, key string) field {
	f := field{key: sprintf(key, column), like: "lower(" + column + ")", set: column + " IS NOT NULL"}
	f.related = func(cond schema.QueryWithArgs) schema.QueryWithArgs { return cond }
	return f
}

// searched adds the search text as prefilter of a field it contains.
func (c *compiler) searched(f field, search searchText) field {
	f.prefilter = func(pattern string) schema.QueryWithArgs { return search.matching(c, pattern) }
	return f
}

// phones is a contact's phone numbers, compared by their digits.
func (c *compiler) phones() field {
	digits := phoneSearch.sql("p")
	return field{
		key: digits, like: digits,
		related:   c.relatedRows(c.col("id"), "p.contact_id", c.table("phones")+" AS p", "p.workspace_id"),
		normalize: Digits,
	}
}

// portalRoles is a contact's portal role, by slug.
func (c *compiler) portalRoles() field {
	return field{
		key: "lower(pr.slug)", like: "lower(pr.slug)",
		related: c.relatedRows(c.col("portal_role_id"), "pr.id", "portal_roles AS pr", "pr.workspace_id"),
	}
}

// memberships is the accounts a contact belongs to.
func (c *compiler) memberships() field {
	return field{
		key:     "ca.account_id",
		related: c.relatedRows(c.col("id"), "ca.contact_id", "contact_accounts AS ca", "ca.workspace_id"),
	}
}

// relatedRows makes a field's wrapper for rows of table whose ref column
// points at the record's own column.
func (c *compiler) relatedRows(own, ref, table, workspace string) func(schema.QueryWithArgs) schema.QueryWithArgs {
	return func(cond schema.QueryWithArgs) schema.QueryWithArgs {
		return bun.SafeQuery(own+" IN (SELECT "+ref+" FROM "+table+" WHERE "+workspace+" = ? AND ?)", c.ws, cond)
	}
}

func sprintf(template, column string) string { return strings.ReplaceAll(template, "%s", column) }

// ids compiles an IDFilter over f.
func (c *compiler) ids(filter *IDFilter, f field) []schema.QueryWithArgs {
	if filter == nil {
		return nil
	}
	var terms []schema.QueryWithArgs
	if filter.Equals != nil {
		terms = append(terms, f.related(bun.SafeQuery(f.key+" = ?", *filter.Equals)))
	}
	if filter.In != nil {
		terms = append(terms, f.related(idIn(f.key, filter.In)))
	}
	if len(filter.NotIn) > 0 {
		terms = append(terms, not(f.related(idIn(f.key, filter.NotIn))))
	}
	return terms
}

func idIn(key string, ids []string) schema.QueryWithArgs {
	if len(ids) == 0 {
		return sqlFalse
	}
	return bun.SafeQuery(key+" = ANY(?::text[])", pgdialect.Array(ids))
}

// text compiles a StringFilter over f. notIn is the complement of in: a
// record without a value matches it.
func (c *compiler) text(filter *StringFilter, f field) []schema.QueryWithArgs {
	if filter == nil {
		return nil
	}
	norm := func(s string) string {
		if f.normalize != nil {
			return f.normalize(s)
		}
		return s
	}
	var terms []schema.QueryWithArgs
	if filter.Equals != nil {
		terms = append(terms, f.related(f.isSet(bun.SafeQuery(f.key+" = lower(?)", norm(*filter.Equals)))))
	}
	if filter.In != nil {
		terms = append(terms, f.related(f.in(filter.In, norm)))
	}
	if len(filter.NotIn) > 0 {
		terms = append(terms, not(f.related(f.in(filter.NotIn, norm))))
	}
	if filter.Contains != nil {
		terms = append(terms, f.related(f.contains(norm(*filter.Contains))))
	}
	if filter.StartsWith != nil {
		terms = append(terms, f.related(f.isSet(f.startsWith(norm(*filter.StartsWith)))))
	}
	if filter.IsSet != nil {
		set := f.related(f.isSet(sqlTrue))
		if !*filter.IsSet {
			set = not(set)
		}
		terms = append(terms, set)
	}
	return terms
}

// isSet adds to cond that the value is set.
func (f field) isSet(cond schema.QueryWithArgs) schema.QueryWithArgs {
	if f.set == "" {
		return cond
	}
	return bun.SafeQuery(f.set+" AND ?", cond)
}

func (f field) in(values []string, norm func(string) string) schema.QueryWithArgs {
	if len(values) == 0 {
		return sqlFalse
	}
	normalized := make([]string, len(values))
	for i, v := range values {
		normalized[i] = norm(v)
	}
	return f.isSet(bun.SafeQuery(f.key+" = ANY(ARRAY(SELECT lower(v) FROM unnest(?::text[]) AS v))", pgdialect.Array(normalized)))
}

// contains matches values that contain s, without regard to case.
func (f field) contains(s string) schema.QueryWithArgs {
	pattern := "%" + escapeLike(s) + "%"
	if f.prefilter == nil {
		return bun.SafeQuery(f.like+" LIKE lower(?)", pattern)
	}
	// The search text's trigram index finds the candidates; the exact test
	// on the field is one the planner cannot estimate, so that it does not
	// count the same selectivity twice.
	return bun.SafeQuery("? AND strpos("+f.like+", lower(?)) > 0", f.prefilter(pattern), s)
}

// startsWith matches keys of f that start with prefix: a range of the
// key's btree index (in the C collation). A prefilter would only mislead
// the planner, which would count both tests' selectivity and gather and
// sort every match.
func (f field) startsWith(prefix string) schema.QueryWithArgs {
	return bun.SafeQuery("starts_with("+f.key+", lower(?))", prefix)
}

// escapeLike makes s match itself in a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Digits returns the digits of a phone number, which phone filters and
// search compare: "+1 (415) 555-0123" and "+14155550123" match alike.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// tags compiles a TagsFilter; tags match exactly.
func (c *compiler) tags(filter *TagsFilter) []schema.QueryWithArgs {
	if filter == nil {
		return nil
	}
	col := c.col("tags")
	var terms []schema.QueryWithArgs
	if filter.HasAny != nil {
		terms = append(terms, bun.SafeQuery(col+" && ?::text[]", pgdialect.Array(filter.HasAny)))
	}
	if len(filter.HasAll) > 0 {
		terms = append(terms, bun.SafeQuery(col+" @> ?::text[]", pgdialect.Array(filter.HasAll)))
	}
	if len(filter.HasNone) > 0 {
		terms = append(terms, bun.SafeQuery("NOT ("+col+" && ?::text[])", pgdialect.Array(filter.HasNone)))
	}
	return terms
}

// times compiles a TimeFilter; both bounds are exclusive.
func (c *compiler) times(col string, filter *TimeFilter) []schema.QueryWithArgs {
	if filter == nil {
		return nil
	}
	var terms []schema.QueryWithArgs
	if filter.Before != nil {
		terms = append(terms, bun.SafeQuery(col+" < ?", *filter.Before))
	}
	if filter.After != nil {
		terms = append(terms, bun.SafeQuery(col+" > ?", *filter.After))
	}
	return terms
}
