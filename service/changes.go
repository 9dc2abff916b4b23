package service

import (
	"bytes"
	"encoding/json"
	"math/big"
	"reflect"
	"strings"

	"github.com/contacts-api/contacts/db"
)

// Change is one changed field of a record.
type Change struct {
	// Field is the field's name as the API spells it: "email",
	// "accountId", "tags", "customFields", "phones", "accounts".
	Field string
	// Valued says Old and New hold the field's values (nil for null): those
	// of scalar fields, and of what the record owns as lists (its phones'
	// numbers in E.164 form, its accounts' ids, sorted). The lists and
	// objects of its row (tags, metadata, customFields) are only named.
	Valued bool
	Old    any
	New    any
}

// Changes is the change set of an update: its changed fields, in the
// order the model declares them, then what the record owns. Empty, the
// update changed nothing and wrote nothing.
type Changes []Change

// Fields returns the names of the changed fields.
func (cs Changes) Fields() []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Field
	}
	return names
}

// bookkeeping are the columns every write sets, which are no change of
// their own.
var bookkeeping = map[string]bool{"version": true, "created_at": true, "updated_at": true}

// changeSet compares a record with what is stored, field by field as the
// model's bun tags list them (so a new field needs no edit here), and
// adds owned, the changes of what else the record owns.
func changeSet[R record](stored, updated R, owned ...Change) Changes {
	before, after := reflect.ValueOf(stored).Elem(), reflect.ValueOf(updated).Elem()
	var changes Changes
	for _, f := range db.DataFields[R]() {
		if bookkeeping[f.Name] {
			continue
		}
		old, value := f.Value(before), f.Value(after)
		// sameJSON only for values that differ: it encodes and decodes
		// both, which made a new contact's change set (its event's
		// fields) take eight times as long.
		if sameValue(old, value) || f.UserSQLType == "jsonb" && sameJSON(old.Interface(), value.Interface()) {
			continue
		}
		c := Change{Field: apiName(f.Name)}
		if k := f.IndirectType.Kind(); k != reflect.Slice && k != reflect.Map {
			c.Valued, c.Old, c.New = true, scalarValue(old), scalarValue(value)
		}
		changes = append(changes, c)
	}
	return append(changes, owned...)
}

// sameValue compares two values of a field; an empty list is a null one.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// sameJSON compares two values stored as jsonb by what they mean:
// PostgreSQL keeps neither the spacing nor the order of keys it is given,
// nor a number's spelling (1e2 is 100).
func sameJSON(a, b any) bool {
	x, errA := decodeJSON(a)
	y, errB := decodeJSON(b)
	return errA == nil && errB == nil && equalJSON(x, y)
}

func decodeJSON(v any) (any, error) {
	text, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var out any
	return out, d.Decode(&out)
}

func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		b, ok := b.(json.Number)
		x, okA := new(big.Rat).SetString(a.String())
		y, okB := new(big.Rat).SetString(b.String())
		return ok && okA && okB && x.Cmp(y) == 0
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// scalarValue is a scalar field's value, nil for null.
func scalarValue(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	return v.Interface()
}

// apiName spells a column as the API names its field: avatar_url is
// avatarUrl.
func apiName(column string) string {
	words := strings.Split(column, "_")
	for i := 1; i < len(words); i++ {
		words[i] = strings.ToUpper(words[i][:1]) + words[i][1:]
	}
	return strings.Join(words, "")
}

// snapshot returns a copy of r, to compare it with once an input has been
// applied to r. The copy is shallow: applying an input replaces a
// record's lists and maps, it never changes them in place.
func snapshot[R record](r R) R {
	c := reflect.New(reflect.TypeOf(r).Elem())
	c.Elem().Set(reflect.ValueOf(r).Elem())
	return c.Interface().(R)
}
