package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/contacts-api/contacts/db"
)

// The rules of list filters. A filter that breaks one is refused as a
// whole with BAD_USER_INPUT: filters are arguments, not mutation input.
const (
	// maxFilterDepth bounds the nesting of and/or/not: the filter itself
	// is level 1.
	maxFilterDepth = 5
	// maxFilterValues bounds each list of values (in, notIn, tags).
	maxFilterValues = 1000
	// maxFilterTerms bounds the conditions of one filter, nested ones
	// included, so that no filter compiles into an unbounded statement.
	maxFilterTerms = 200
)

// operator is a custom field filter operator.
type operator string

const (
	opEquals   operator = "equals"
	opIn       operator = "in"
	opNotIn    operator = "notIn"
	opContains operator = "contains"
	opGt       operator = "gt"
	opLt       operator = "lt"
	opIsSet    operator = "isSet"
)

// fieldOperators are the operators that fit each custom field type.
var fieldOperators = map[db.CustomFieldType][]operator{
	db.FieldText:        {opEquals, opIn, opNotIn, opContains, opIsSet},
	db.FieldURL:         {opEquals, opIn, opNotIn, opContains, opIsSet},
	db.FieldNumber:      {opEquals, opIn, opNotIn, opGt, opLt, opIsSet},
	db.FieldDate:        {opEquals, opIn, opNotIn, opGt, opLt, opIsSet},
	db.FieldBoolean:     {opEquals, opIsSet},
	db.FieldSelect:      {opEquals, opIn, opNotIn, opIsSet},
	db.FieldMultiSelect: {opEquals, opIn, opNotIn, opIsSet},
}

// filterCheck walks a filter, checking its rules, and gathers its custom
// field conditions, which need the field definitions.
type filterCheck struct {
	terms        int
	customFields []*db.CustomFieldFilter
	err          error
}

func (fc *filterCheck) fail(format string, args ...any) {
	if fc.err == nil {
		fc.err = badInput(format, args...)
	}
}

// contactMatch validates a contact filter and resolves the types of the
// custom fields it names (one statement, only when it names any).
func (s *Service) contactMatch(ctx context.Context, f *db.ContactFilter) (db.Match, error) {
	return checkedMatch(ctx, s, f, db.ContactObject, (*filterCheck).contact)
}

// accountMatch validates an account filter likewise.
func (s *Service) accountMatch(ctx context.Context, f *db.AccountFilter) (db.Match, error) {
	return checkedMatch(ctx, s, f, db.AccountObject, (*filterCheck).account)
}

// checkedMatch walks a filter (nil matches everything) with walk, then
// checks its custom field conditions against the fields of object.
func checkedMatch[T any, F interface {
	*T
	db.Filter
}](ctx context.Context, s *Service, f F, object db.CustomFieldObject, walk func(*filterCheck, F, int)) (db.Match, error) {
	if f == nil {
		return db.Match{}, nil
	}
	var fc filterCheck
	walk(&fc, f, 1)
	if fc.terms > maxFilterTerms {
		fc.fail("A filter may have at most %d conditions.", maxFilterTerms)
	}
	if fc.err != nil || len(fc.customFields) == 0 {
		return db.Match{Filter: f}, fc.err
	}
	return s.customFieldMatch(ctx, f, object, &fc)
}

// customFieldMatch resolves the types of the custom fields a valid
// filter names, in one statement, and checks their conditions.
func (s *Service) customFieldMatch(ctx context.Context, f db.Filter, object db.CustomFieldObject, fc *filterCheck) (db.Match, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return db.Match{}, err
	}
	defs, err := s.store.CustomFieldDefinitions(ctx, ws, object)
	if err != nil {
		return db.Match{}, err
	}
	types := make(map[string]db.CustomFieldType, len(defs))
	for _, d := range defs {
		types[d.Slug] = d.Type
	}
	for _, cf := range fc.customFields {
		fc.customField(cf, types)
	}
	return db.Match{Filter: f, CustomFieldTypes: types}, fc.err
}

func (fc *filterCheck) contact(f *db.ContactFilter, depth int) {
	if fc.nested(depth, len(f.And)+len(f.Or), f.Not != nil) {
		return
	}
	fc.record(&f.RecordFilter)
	fc.strings("email", f.Email)
	storedForm(f.Email, emailForm)
	fc.strings("phone", f.Phone)
	fc.phoneDigits(f.Phone)
	fc.strings("portalRole", f.PortalRole)
	fc.ids("accountId", f.AccountID)
	fc.ids("portalRoleId", f.PortalRoleID)
	for _, g := range slices.Concat(f.And, f.Or, optional(f.Not)) {
		fc.contact(g, depth+1)
	}
}

func (fc *filterCheck) account(f *db.AccountFilter, depth int) {
	if fc.nested(depth, len(f.And)+len(f.Or), f.Not != nil) {
		return
	}
	fc.record(&f.RecordFilter)
	fc.strings("domain", f.Domain)
	for _, g := range slices.Concat(f.And, f.Or, optional(f.Not)) {
		fc.account(g, depth+1)
	}
}

// optional is the filter under not as a list of zero or one.
func optional[F any](f *F) []*F {
	if f == nil {
		return nil
	}
	return []*F{f}
}

// nested counts a filter's children and refuses it below the deepest
// level allowed; it reports whether to stop.
func (fc *filterCheck) nested(depth, children int, hasNot bool) bool {
	if hasNot {
		children++
	}
	fc.terms += children
	if depth > maxFilterDepth {
		fc.fail("Filters nest at most %d levels deep (and, or, not).", maxFilterDepth)
	}
	return fc.err != nil || fc.terms > maxFilterTerms
}

func (fc *filterCheck) record(f *db.RecordFilter) {
	if f.Search != nil {
		fc.terms++
		*f.Search = nfc(*f.Search)
	}
	storedForm(f.Name, nfc)
	if t := f.Tags; t != nil {
		for _, tags := range [][]string{t.HasAny, t.HasAll, t.HasNone} {
			for i := range tags {
				tags[i] = nfc(tags[i])
			}
		}
	}
	fc.ids("id", f.ID)
	fc.strings("externalId", f.ExternalID)
	fc.strings("name", f.Name)
	if t := f.Tags; t != nil {
		fc.values("tags", len(t.HasAny), len(t.HasAll), len(t.HasNone))
	}
	for _, cf := range f.CustomFields {
		fc.terms++
		fc.values("customFields.in", len(cf.In), len(cf.NotIn))
		fc.customFields = append(fc.customFields, cf)
	}
}

func (fc *filterCheck) ids(name string, f *db.IDFilter) {
	if f != nil {
		fc.values(name, len(f.In), len(f.NotIn))
	}
}

func (fc *filterCheck) strings(name string, f *db.StringFilter) {
	if f != nil {
		fc.values(name, len(f.In), len(f.NotIn))
	}
}

// phoneDigits refuses phone values without digits: phones match by digits.
func (fc *filterCheck) phoneDigits(f *db.StringFilter) {
	if f == nil {
		return
	}
	for _, v := range slices.Concat(optional(f.Equals), optional(f.Contains), optional(f.StartsWith)) {
		if db.Digits(*v) == "" {
			fc.fail("phone filters compare digits; %q has none.", *v)
		}
	}
	for _, v := range slices.Concat(f.In, f.NotIn) {
		if db.Digits(v) == "" {
			fc.fail("phone filters compare digits; %q has none.", v)
		}
	}
}

// values counts a field's conditions and bounds its lists of values.
func (fc *filterCheck) values(name string, lengths ...int) {
	fc.terms++
	for _, n := range lengths {
		if n > maxFilterValues {
			fc.fail("%s takes at most %d values.", name, maxFilterValues)
		}
	}
}

// customField checks a custom field condition against the field's type:
// the field must exist, each operator fit the type, each value be of it.
func (fc *filterCheck) customField(f *db.CustomFieldFilter, types map[string]db.CustomFieldType) {
	t, ok := types[f.Slug]
	if !ok {
		fc.fail("No custom field has the slug %q.", f.Slug)
		return
	}
	given := map[operator]bool{
		opEquals: f.Equals != nil, opIn: f.In != nil, opNotIn: f.NotIn != nil,
		opContains: f.Contains != nil, opGt: f.Gt != nil, opLt: f.Lt != nil, opIsSet: f.IsSet != nil,
	}
	for op, ok := range given {
		if ok && !slices.Contains(fieldOperators[t], op) {
			fc.fail("The operator %s does not fit the %s custom field %q.", op, t, f.Slug)
		}
	}
	check := func(op operator, v json.RawMessage, list bool) {
		if err := checkFilterValue(t, v, list); err != "" {
			fc.fail("%s of custom field %q: %s", op, f.Slug, err)
		}
	}
	if f.Equals != nil {
		check(opEquals, f.Equals, t == db.FieldMultiSelect)
		if t == db.FieldMultiSelect {
			f.Equals = dedupeJSONStrings(f.Equals)
		}
	}
	for _, v := range slices.Concat(f.In, f.NotIn) {
		check(opIn, v, false)
	}
	for op, v := range map[operator]json.RawMessage{opGt: f.Gt, opLt: f.Lt} {
		if v != nil {
			check(op, v, false)
		}
	}
}

// checkFilterValue checks that v is a value of type t (a list of options
// when list is set) and returns what is wrong, or "". Options need not
// exist: a filter on a removed option simply matches nothing.
func checkFilterValue(t db.CustomFieldType, v json.RawMessage, list bool) string {
	if list {
		var options []string
		if json.Unmarshal(v, &options) != nil {
			return "the value must be a list of options."
		}
		return ""
	}
	switch t {
	case db.FieldNumber:
		if !isJSONNumber(v) {
			return "the value must be a number."
		}
	case db.FieldBoolean:
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return "the value must be true or false."
		}
	case db.FieldDate:
		var s string
		if json.Unmarshal(v, &s) != nil || !isDate(s) {
			return "the value must be a date such as 2026-11-23."
		}
	default:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "the value must be a string."
		}
	}
	return ""
}

// dedupeJSONStrings drops repeated strings from a JSON list of strings.
func dedupeJSONStrings(v json.RawMessage) json.RawMessage {
	var items []string
	json.Unmarshal(v, &items)
	out, _ := json.Marshal(dedupe(items))
	return out
}

// isJSONNumber reports whether v is a JSON number.
func isJSONNumber(v json.RawMessage) bool {
	var n json.Number
	s := strings.TrimSpace(string(v))
	return s != "" && s[0] != '"' && json.Unmarshal(v, &n) == nil
}

// storedForm rewrites the values of a text condition into the form the
// records are stored in, so that it finds what looks the same.
func storedForm(f *db.StringFilter, form func(string) string) {
	if f == nil {
		return
	}
	for _, v := range []*string{f.Equals, f.Contains, f.StartsWith} {
		if v != nil {
			*v = form(*v)
		}
	}
	for _, list := range [][]string{f.In, f.NotIn} {
		for i := range list {
			list[i] = form(list[i])
		}
	}
}

// emailForm returns an email condition's value as emails are stored: an
// address with its domain in canonical form, other text in form C.
func emailForm(v string) string {
	if strings.Contains(v, "@") {
		if canonical, ok := canonicalEmail(v); ok {
			return canonical
		}
	}
	return nfc(v)
}
