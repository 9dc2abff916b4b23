package service

import (
	"encoding/json"
	"testing"

	"github.com/contacts-api/contacts/db"
)

func TestFilterDepthAndSize(t *testing.T) {
	nest := func(levels int) *db.ContactFilter {
		f := &db.ContactFilter{}
		for range levels - 1 {
			f = &db.ContactFilter{Not: f}
		}
		return f
	}
	many := &db.ContactFilter{}
	for range maxFilterTerms + 1 {
		many.And = append(many.And, &db.ContactFilter{})
	}
	tests := []struct {
		name    string
		filter  *db.ContactFilter
		wantErr bool
	}{
		{"one level", nest(1), false},
		{"five levels", nest(5), false},
		{"six levels", nest(6), true},
		{"too many conditions", many, true},
		{"too many values", &db.ContactFilter{Email: &db.StringFilter{In: make([]string, maxFilterValues+1)}}, true},
		{"a phone without digits", &db.ContactFilter{Phone: &db.StringFilter{In: []string{"+1 415", "call me"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fc filterCheck
			fc.contact(tt.filter, 1)
			if fc.terms > maxFilterTerms {
				fc.fail("too many")
			}
			if (fc.err != nil) != tt.wantErr {
				t.Errorf("error %v, want an error: %v", fc.err, tt.wantErr)
			}
		})
	}
}

func TestCustomFieldFilterOperatorsFitTypes(t *testing.T) {
	types := map[string]db.CustomFieldType{
		"note": db.FieldText, "seats": db.FieldNumber, "beta": db.FieldBoolean, "renewal": db.FieldDate,
		"plan": db.FieldSelect, "langs": db.FieldMultiSelect, "site": db.FieldURL,
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name    string
		filter  db.CustomFieldFilter
		wantErr bool
	}{
		{"TEXT contains", db.CustomFieldFilter{Slug: "note", Contains: ptr("x")}, false},
		{"TEXT gt", db.CustomFieldFilter{Slug: "note", Gt: raw(`"a"`)}, true},
		{"NUMBER gt and lt", db.CustomFieldFilter{Slug: "seats", Gt: raw(`1`), Lt: raw(`9.5`)}, false},
		{"NUMBER gt a string", db.CustomFieldFilter{Slug: "seats", Gt: raw(`"1"`)}, true},
		{"NUMBER contains", db.CustomFieldFilter{Slug: "seats", Contains: ptr("1")}, true},
		{"BOOLEAN equals", db.CustomFieldFilter{Slug: "beta", Equals: raw(`false`)}, false},
		{"BOOLEAN in", db.CustomFieldFilter{Slug: "beta", In: []json.RawMessage{raw(`true`)}}, true},
		{"DATE lt", db.CustomFieldFilter{Slug: "renewal", Lt: raw(`"2026-12-31"`)}, false},
		{"DATE lt not a date", db.CustomFieldFilter{Slug: "renewal", Lt: raw(`"2026-13-01"`)}, true},
		{"SELECT in", db.CustomFieldFilter{Slug: "plan", In: []json.RawMessage{raw(`"pro"`)}}, false},
		{"SELECT gt", db.CustomFieldFilter{Slug: "plan", Gt: raw(`"pro"`)}, true},
		{"MULTI_SELECT equals a list", db.CustomFieldFilter{Slug: "langs", Equals: raw(`["en"]`)}, false},
		{"MULTI_SELECT equals an option", db.CustomFieldFilter{Slug: "langs", Equals: raw(`"en"`)}, true},
		{"MULTI_SELECT in options", db.CustomFieldFilter{Slug: "langs", NotIn: []json.RawMessage{raw(`"en"`)}}, false},
		{"URL contains", db.CustomFieldFilter{Slug: "site", Contains: ptr("acme")}, false},
		{"URL lt", db.CustomFieldFilter{Slug: "site", Lt: raw(`"x"`)}, true},
		{"isSet fits all", db.CustomFieldFilter{Slug: "langs", IsSet: ptr(true)}, false},
		{"an unknown slug", db.CustomFieldFilter{Slug: "nope", IsSet: ptr(true)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fc filterCheck
			fc.customField(&tt.filter, types)
			if (fc.err != nil) != tt.wantErr {
				t.Errorf("error %v, want an error: %v", fc.err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeFieldValue(t *testing.T) {
	def := func(typ db.CustomFieldType, options ...string) *db.CustomFieldDefinition {
		return &db.CustomFieldDefinition{Slug: "f", Label: "F", Type: typ, Options: options}
	}
	tests := []struct {
		def   *db.CustomFieldDefinition
		value string
		want  string // the stored JSON; "" removes the value; "!" is a problem
	}{
		{def(db.FieldText), `"a b"`, `"a b"`},
		{def(db.FieldText), `null`, ``},
		{def(db.FieldText), `["a"]`, `!`},
		{def(db.FieldNumber), `1e3`, `1e3`},
		{def(db.FieldNumber), `-0.5`, `-0.5`},
		{def(db.FieldNumber), `"5"`, `!`},
		{def(db.FieldBoolean), `true`, `true`},
		{def(db.FieldBoolean), `1`, `!`},
		{def(db.FieldDate), `"2024-02-29"`, `"2024-02-29"`},
		{def(db.FieldDate), `"2023-02-29"`, `!`},
		{def(db.FieldDate), `"2024-02-29T00:00:00Z"`, `!`},
		{def(db.FieldSelect, "a", "b"), `"b"`, `"b"`},
		{def(db.FieldSelect, "a", "b"), `"B"`, `!`},
		{def(db.FieldMultiSelect, "a", "b"), `["b","a","b"]`, `["b","a"]`},
		{def(db.FieldMultiSelect, "a", "b"), `[]`, ``},
		{def(db.FieldMultiSelect, "a", "b"), `["c"]`, `!`},
		{def(db.FieldURL), `"http://x.example/a?b=c"`, `"http://x.example/a?b=c"`},
		{def(db.FieldURL), `"mailto:a@b.c"`, `!`},
		{def(db.FieldURL), `"/relative"`, `!`},
	}
	for _, tt := range tests {
		t.Run(string(tt.def.Type)+" "+tt.value, func(t *testing.T) {
			got, problem := normalizeFieldValue(tt.def, json.RawMessage(tt.value))
			switch {
			case tt.want == "!" && problem == "":
				t.Errorf("stored %s, want a problem", got)
			case tt.want != "!" && (problem != "" || string(got) != tt.want):
				t.Errorf("stored %s (problem %q), want %s", got, problem, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
