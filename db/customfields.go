package db

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// CustomFieldPrefix starts the ids of custom field definitions.
const CustomFieldPrefix = "custom_field_"

// CustomFieldType is the type of a custom field's values.
type CustomFieldType string

// The types of custom fields.
const (
	FieldText        CustomFieldType = "TEXT"
	FieldNumber      CustomFieldType = "NUMBER"
	FieldBoolean     CustomFieldType = "BOOLEAN"
	FieldDate        CustomFieldType = "DATE"
	FieldSelect      CustomFieldType = "SELECT"
	FieldMultiSelect CustomFieldType = "MULTI_SELECT"
	FieldURL         CustomFieldType = "URL"
)

// CustomFieldObject is the kind of record a custom field belongs to.
type CustomFieldObject string

// The kinds of records with custom fields.
const (
	ContactObject CustomFieldObject = "CONTACT"
	AccountObject CustomFieldObject = "ACCOUNT"
)

// CustomFieldDefinition is a field that a workspace adds to its contacts
// or accounts.
type CustomFieldDefinition struct {
	bun.BaseModel `bun:"table:custom_field_definitions,alias:cfd"`

	Key
	Object  CustomFieldObject `bun:"object"`
	Slug    string            `bun:"slug"`
	Label   string            `bun:"label"`
	Type    CustomFieldType   `bun:"type"`
	Options []string          `bun:"options,array"`
	Timestamps
}

// CustomFieldValues are a record's custom field values by slug, stored as
// one JSON object.
type CustomFieldValues map[string]json.RawMessage

// Value implements driver.Valuer: no values are an empty object.
func (v CustomFieldValues) Value() (driver.Value, error) {
	if v == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]json.RawMessage(v))
	return string(b), err
}

// Scan implements sql.Scanner.
func (v *CustomFieldValues) Scan(src any) error {
	var b []byte
	switch src := src.(type) {
	case []byte:
		b = src
	case string:
		b = []byte(src)
	case nil:
		*v = CustomFieldValues{}
		return nil
	default:
		return fmt.Errorf("custom field values: cannot scan %T", src)
	}
	m := CustomFieldValues{}
	if err := json.Unmarshal(b, (*map[string]json.RawMessage)(&m)); err != nil {
		return fmt.Errorf("custom field values: %w", err)
	}
	*v = m
	return nil
}

// CustomFieldKey is the name of the constraint on slugs.
const CustomFieldKey = "custom_field_definitions_slug_key"

// CustomFieldDefinitions returns the workspace's custom fields of object
// (of every object when it is empty), oldest first.
func (s *Store) CustomFieldDefinitions(ctx context.Context, ws uuid.UUID, object CustomFieldObject) ([]*CustomFieldDefinition, error) {
	var defs []*CustomFieldDefinition
	q := s.idb.NewSelect().Model(&defs).Where("cfd.workspace_id = ?", ws)
	if object != "" {
		q = q.Where("cfd.object = ?", object)
	}
	if err := s.scan(ctx, ws, q.Order("cfd.id")); err != nil {
		return nil, fmt.Errorf("custom field definitions: %w", err)
	}
	return defs, nil
}

// CustomFieldDefinitionsByIDs returns the workspace's custom fields among ids.
func (s *Store) CustomFieldDefinitionsByIDs(ctx context.Context, ws uuid.UUID, ids []string) ([]*CustomFieldDefinition, error) {
	var defs []*CustomFieldDefinition
	err := s.scan(ctx, ws, s.idb.NewSelect().Model(&defs).Where("cfd.workspace_id = ?", ws).Where("cfd.id = ANY(?)", pgdialect.Array(ids)))
	if err != nil {
		return nil, fmt.Errorf("custom field definitions by id: %w", err)
	}
	return defs, nil
}

// CustomFieldDefinitionForUpdate returns the custom field, locked, or nil.
func (s *Store) CustomFieldDefinitionForUpdate(ctx context.Context, ws uuid.UUID, id string) (*CustomFieldDefinition, error) {
	var defs []*CustomFieldDefinition
	err := s.idb.NewSelect().Model(&defs).Where("cfd.workspace_id = ?", ws).Where("cfd.id = ?", id).For("UPDATE").Scan(ctx)
	if err != nil || len(defs) == 0 {
		return nil, err
	}
	return defs[0], nil
}

// CountCustomFieldDefinitions returns how many custom fields object has.
func (s *Store) CountCustomFieldDefinitions(ctx context.Context, ws uuid.UUID, object CustomFieldObject) (int, error) {
	n, err := s.idb.NewSelect().Model((*CustomFieldDefinition)(nil)).
		Where("cfd.workspace_id = ?", ws).Where("cfd.object = ?", object).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count custom field definitions: %w", err)
	}
	return int(n), nil
}

// DeleteCustomFieldDefinition deletes the custom field and, in one
// statement, its values on every record of its object; those records
// change, so their version grows and their update time moves.
func (s *Store) DeleteCustomFieldDefinition(ctx context.Context, d *CustomFieldDefinition) error {
	if _, err := s.idb.NewDelete().Model(d).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("delete custom field: %w", err)
	}
	_, err := s.idb.NewUpdate().Table(objectTable(d.Object)).
		Set("custom_fields = custom_fields - ?", d.Slug).Set("version = version + 1").Set("updated_at = now()").
		Where("workspace_id = ?", d.WorkspaceID).Where("(custom_fields -> ?) IS NOT NULL", d.Slug).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete custom field values: %w", err)
	}
	return nil
}

// CustomFieldOptionsInUse reports whether a record of the field's object
// has one of options as the field's value (or among its values).
func (s *Store) CustomFieldOptionsInUse(ctx context.Context, d *CustomFieldDefinition, options []string) (bool, error) {
	var any []schema.QueryWithArgs
	for _, o := range options {
		any = append(any, containsValue("custom_fields", d.Slug, optionValue(d.Type, o)))
	}
	used, err := s.idb.NewSelect().Table(objectTable(d.Object)).
		Where("workspace_id = ?", d.WorkspaceID).Where("?", or(any)).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("custom field options in use: %w", err)
	}
	return used, nil
}

func objectTable(o CustomFieldObject) string {
	if o == AccountObject {
		return "accounts"
	}
	return "contacts"
}

// containsValue matches records whose field slug holds value (or, for a
// list, holds every element of it): the GIN index answers it.
func containsValue(col, slug string, value json.RawMessage) schema.QueryWithArgs {
	doc, _ := json.Marshal(map[string]json.RawMessage{slug: value})
	return bun.SafeQuery(col+" @> ?::jsonb", string(doc))
}

// optionValue is the stored form of one option: a MULTI_SELECT holds a list.
func optionValue(t CustomFieldType, option string) json.RawMessage {
	v, _ := json.Marshal(option)
	if t == FieldMultiSelect {
		return json.RawMessage("[" + string(v) + "]")
	}
	return v
}

// customField compiles a CustomFieldFilter; the service checked that its
// operators fit the field's type.
func (c *compiler) customField(f *CustomFieldFilter) []schema.QueryWithArgs {
	t, col := c.types[f.Slug], c.col("custom_fields")
	element := func(v json.RawMessage) json.RawMessage {
		if t == FieldMultiSelect {
			return json.RawMessage("[" + string(v) + "]")
		}
		return v
	}
	anyOf := func(values []json.RawMessage) schema.QueryWithArgs {
		terms := make([]schema.QueryWithArgs, len(values))
		for i, v := range values {
			terms[i] = containsValue(col, f.Slug, element(v))
		}
		return or(terms)
	}
	var terms []schema.QueryWithArgs
	if f.Equals != nil {
		terms = append(terms, containsValue(col, f.Slug, f.Equals))
		if t == FieldMultiSelect {
			var options []string
			json.Unmarshal(f.Equals, &options)
			terms = append(terms, bun.SafeQuery("jsonb_array_length("+col+" -> ?) = ?", f.Slug, len(options)))
		}
	}
	if f.In != nil {
		terms = append(terms, anyOf(f.In))
	}
	if len(f.NotIn) > 0 {
		terms = append(terms, not(anyOf(f.NotIn)))
	}
	if f.Contains != nil {
		terms = append(terms, bun.SafeQuery("lower("+col+" ->> ?) LIKE lower(?)", f.Slug, "%"+escapeLike(*f.Contains)+"%"))
	}
	for _, bound := range []struct {
		op    string
		value json.RawMessage
	}{{">", f.Gt}, {"<", f.Lt}} {
		if bound.value != nil {
			terms = append(terms, c.compareField(t, col, f.Slug, bound.op, bound.value))
		}
	}
	if f.IsSet != nil {
		set := bun.SafeQuery("("+col+" -> ?) IS NOT NULL", f.Slug)
		if !*f.IsSet {
			set = not(set)
		}
		terms = append(terms, set)
	}
	return terms
}

// compareField orders a NUMBER numerically and a DATE (YYYY-MM-DD) as text.
func (c *compiler) compareField(t CustomFieldType, col, slug, op string, value json.RawMessage) schema.QueryWithArgs {
	if t == FieldDate {
		var date string
		json.Unmarshal(value, &date)
		return bun.SafeQuery("("+col+" ->> ?) COLLATE \"C\" "+op+" ?", slug, date)
	}
	return bun.SafeQuery("(jsonb_typeof("+col+" -> ?) = 'number' AND ("+col+" -> ?) "+op+" ?::jsonb)", slug, slug, string(value))
}
