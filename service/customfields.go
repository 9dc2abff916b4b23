package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// Limits of custom fields.
const (
	maxCustomFields      = 100
	maxFieldOptions      = 200
	maxTextValueLength   = 10_000
	maxURLValueLength    = 2048
	maxCustomFieldValues = 100
)

// CreateCustomFieldInput is a new custom field.
type CreateCustomFieldInput struct {
	Object  db.CustomFieldObject
	Slug    string
	Label   string
	Type    db.CustomFieldType
	Options []string
}

// UpdateCustomFieldInput are changes to a custom field; absent fields stay
// as they are. A field's slug, object and type never change.
type UpdateCustomFieldInput struct {
	Label   *string
	Options []string
}

// CustomFieldValueInput sets one custom field's value; a null value
// removes it.
type CustomFieldValueInput struct {
	Slug  string
	Value json.RawMessage
}

// CustomFieldDefinitions lists the workspace's custom fields of object
// (of both objects when it is nil), oldest first.
func (s *Service) CustomFieldDefinitions(ctx context.Context, object *db.CustomFieldObject) ([]*db.CustomFieldDefinition, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	var o db.CustomFieldObject
	if object != nil {
		o = *object
	}
	return s.store.CustomFieldDefinitions(ctx, ws, o)
}

// CreateCustomField adds a custom field to the workspace's contacts or accounts.
func (s *Service) CreateCustomField(ctx context.Context, in CreateCustomFieldInput) (*db.CustomFieldDefinition, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.CustomFieldDefinition, error) {
		d := &db.CustomFieldDefinition{
			Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.CustomFieldPrefix)}, Object: in.Object,
			Slug: in.Slug, Label: nfc(in.Label), Type: in.Type, Options: []string{},
		}
		checkSlug(ps, inputPath.at("slug"), in.Slug)
		checkLabel(ps, inputPath.at("label"), in.Label)
		d.Options = checkOptions(ps, d.Type, in.Options)
		if len(*ps) > 0 {
			return nil, nil
		}
		n, err := tx.CountCustomFieldDefinitions(ctx, ws, in.Object)
		if err != nil {
			return nil, err
		}
		if n >= maxCustomFields {
			ps.add(inputPath.at("object"), LimitExceeded, "A workspace may have at most %d custom fields per object.", maxCustomFields)
			return nil, nil
		}
		err = db.Insert(ctx, tx, d)
		if db.UniqueViolation(err) == db.CustomFieldKey {
			ps.add(inputPath.at("slug"), AlreadyExists, "Another custom field of this object has this slug.")
			return nil, errRejected
		}
		if err != nil {
			return nil, err
		}
		var fields events.Fields
		fields.Add("object", nil, d.Object)
		fields.Add("slug", nil, d.Slug)
		fields.Add("label", nil, d.Label)
		fields.Add("type", nil, d.Type)
		fields.Add("options", nil, d.Options)
		return d, recordCustomField(ctx, tx, events.CustomFieldCreated, d, fields)
	})
}

// UpdateCustomField changes a custom field's label and options. An option
// that a record still has cannot be removed.
func (s *Service) UpdateCustomField(ctx context.Context, id string, in UpdateCustomFieldInput) (*db.CustomFieldDefinition, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.CustomFieldDefinition, error) {
		d, err := lockCustomField(ctx, tx, ws, id)
		if err != nil || d == nil {
			ps.add(path{"id"}, NotFound, "No custom field has this id.")
			return nil, err
		}
		before := *d
		if in.Label != nil {
			d.Label = nfc(*in.Label)
			checkLabel(ps, inputPath.at("label"), d.Label)
		}
		if in.Options != nil {
			options := checkOptions(ps, d.Type, in.Options)
			if err := checkRemovedOptions(ctx, tx, d, options, ps); err != nil {
				return nil, err
			}
			d.Options = options
		}
		if len(*ps) > 0 {
			return nil, nil
		}
		if err := db.UpdateColumns(ctx, tx, d, "label", "options"); err != nil {
			return nil, err
		}
		var fields events.Fields
		fields.Add("label", before.Label, d.Label)
		fields.Add("options", before.Options, d.Options)
		return d, recordCustomField(ctx, tx, events.CustomFieldUpdated, d, fields)
	})
}

// DeleteCustomField deletes a custom field and its values on every record.
func (s *Service) DeleteCustomField(ctx context.Context, id string) (string, []*UserError, error) {
	return deleteByID(ctx, s, id, db.CustomFieldPrefix, func(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (bool, error) {
		d, err := lockCustomField(ctx, tx, ws, id)
		if err != nil || d == nil {
			return false, err
		}
		if err := tx.DeleteCustomFieldDefinition(ctx, d); err != nil {
			return false, err
		}
		return true, recordCustomField(ctx, tx, events.CustomFieldDeleted, d, nil)
	})
}

// recordCustomField records a change of type t to the custom field d.
func recordCustomField(ctx context.Context, tx *db.Store, t events.Type, d *db.CustomFieldDefinition, fields events.Fields) error {
	return events.Record(ctx, tx, d.WorkspaceID, []events.Change{{Type: t, RecordID: d.ID, Fields: fields}})
}

// lockCustomField returns the workspace's custom field with id, locked, or nil.
func lockCustomField(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (*db.CustomFieldDefinition, error) {
	if !db.HasPrefix(id, db.CustomFieldPrefix) {
		return nil, nil
	}
	return tx.CustomFieldDefinitionForUpdate(ctx, ws, id)
}

// checkLabel accepts a label of 1 to 255 characters.
func checkLabel(ps *problems, at path, label string) { checkTitle(ps, at, "Label", label) }

// checkOptions returns the trimmed options of a field of type t: SELECT
// and MULTI_SELECT need 1 to 200 distinct ones, other types none.
func checkOptions(ps *problems, t db.CustomFieldType, options []string) []string {
	at := inputPath.at("options")
	if t != db.FieldSelect && t != db.FieldMultiSelect {
		if len(options) > 0 {
			ps.add(at, Invalid, "Only SELECT and MULTI_SELECT fields have options.")
		}
		return []string{}
	}
	switch {
	case len(options) == 0:
		ps.add(at, Required, "A %s field needs at least one option.", t)
	case len(options) > maxFieldOptions:
		ps.add(at, LimitExceeded, "A field may have at most %d options.", maxFieldOptions)
		return nil
	}
	out := make([]string, 0, len(options))
	for i, o := range options {
		o = nfc(strings.TrimSpace(o))
		switch {
		case o == "":
			ps.add(at.at(i), Invalid, "Options must not be blank.")
		case slices.Contains(out, o):
			ps.add(at.at(i), Invalid, "The option %q is given twice.", o)
		default:
			out = append(out, o)
		}
	}
	return out
}

// checkRemovedOptions refuses to remove options that records still have.
func checkRemovedOptions(ctx context.Context, tx *db.Store, d *db.CustomFieldDefinition, options []string, ps *problems) error {
	var removed []string
	for _, o := range d.Options {
		if !slices.Contains(options, o) {
			removed = append(removed, o)
		}
	}
	if len(removed) == 0 || len(*ps) > 0 {
		return nil
	}
	used, err := tx.CustomFieldOptionsInUse(ctx, d, removed)
	if used {
		ps.add(inputPath.at("options"), InUse, "Records still have some of the removed options; change them first.")
	}
	return err
}

// customFieldsBySlug loads the workspace's custom fields of object, by
// slug, when needed is set; otherwise it costs no statement.
func customFieldsBySlug(ctx context.Context, tx *db.Store, ws uuid.UUID, object db.CustomFieldObject, needed bool) (map[string]*db.CustomFieldDefinition, error) {
	if !needed {
		return nil, nil
	}
	defs, err := tx.CustomFieldDefinitions(ctx, ws, object)
	if err != nil {
		return nil, err
	}
	bySlug := make(map[string]*db.CustomFieldDefinition, len(defs))
	for _, d := range defs {
		bySlug[d.Slug] = d
	}
	return bySlug, nil
}

// applyCustomFields checks inputs against the field definitions and
// returns the record's values with them applied.
func applyCustomFields(values db.CustomFieldValues, inputs []*CustomFieldValueInput, defs map[string]*db.CustomFieldDefinition, at path, ps *problems) db.CustomFieldValues {
	if len(inputs) == 0 {
		return values
	}
	if len(inputs) > maxCustomFieldValues {
		ps.add(at.at("customFields"), LimitExceeded, "At most %d custom field values per input.", maxCustomFieldValues)
		return values
	}
	out := make(db.CustomFieldValues, len(values)+len(inputs))
	for k, v := range values {
		out[k] = v
	}
	for i, in := range inputs {
		valueAt := at.at("customFields", i, "value")
		d := defs[in.Slug]
		switch {
		case d == nil:
			ps.add(valueAt, NotFound, "No custom field has the slug %q.", in.Slug)
		case slices.ContainsFunc(inputs[:i], func(p *CustomFieldValueInput) bool { return p.Slug == in.Slug }):
			ps.add(valueAt, Invalid, "The custom field %q is given twice.", in.Slug)
		default:
			v, problem := normalizeFieldValue(d, in.Value)
			switch {
			case problem != "":
				ps.add(valueAt, Invalid, "%s", problem)
			case v == nil:
				delete(out, in.Slug)
			default:
				out[in.Slug] = v
			}
		}
	}
	return out
}

// normalizeFieldValue checks a value against its field and returns it
// compacted (nil to remove the value), or what is wrong with it.
func normalizeFieldValue(d *db.CustomFieldDefinition, raw json.RawMessage) (json.RawMessage, string) {
	if raw == nil || string(raw) == "null" {
		return nil, ""
	}
	var v any
	switch d.Type {
	case db.FieldNumber:
		if !isJSONNumber(raw) {
			return nil, fmt.Sprintf("%s must be a number.", d.Label)
		}
		var n json.Number
		json.Unmarshal(raw, &n)
		v = n
	case db.FieldBoolean:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, fmt.Sprintf("%s must be true or false.", d.Label)
		}
		v = b
	case db.FieldMultiSelect:
		var options []string
		if json.Unmarshal(raw, &options) != nil {
			return nil, fmt.Sprintf("%s must be a list of options.", d.Label)
		}
		for i, o := range options {
			options[i] = nfc(o)
			if !slices.Contains(d.Options, options[i]) {
				return nil, fmt.Sprintf("%q is not an option of %s.", o, d.Label)
			}
		}
		if len(options) == 0 {
			return nil, ""
		}
		v = dedupe(options)
	default:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, fmt.Sprintf("%s must be a string.", d.Label)
		}
		if d.Type != db.FieldURL && d.Type != db.FieldDate {
			s = nfc(s)
		}
		if problem := checkFieldString(d, s); problem != "" {
			return nil, problem
		}
		v = s
	}
	out, _ := json.Marshal(v)
	return out, ""
}

// checkFieldString checks a TEXT, DATE, SELECT or URL value.
func checkFieldString(d *db.CustomFieldDefinition, s string) string {
	switch d.Type {
	case db.FieldText:
		if utf8.RuneCountInString(s) > maxTextValueLength {
			return fmt.Sprintf("%s must be at most %d characters.", d.Label, maxTextValueLength)
		}
	case db.FieldDate:
		if !isDate(s) {
			return fmt.Sprintf("%s must be a date in the form YYYY-MM-DD.", d.Label)
		}
	case db.FieldSelect:
		if !slices.Contains(d.Options, s) {
			return fmt.Sprintf("%q is not an option of %s.", s, d.Label)
		}
	case db.FieldURL:
		u, err := url.Parse(s)
		if len(s) > maxURLValueLength || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("%s must be an absolute http or https URL of at most %d characters.", d.Label, maxURLValueLength)
		}
	}
	return ""
}

// isDate reports whether s is a calendar date written YYYY-MM-DD.
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}
