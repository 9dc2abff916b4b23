package graph_test

import (
	"strings"
	"testing"
)

// TestSchemaIsDescribed: every type, field, argument, enum value and input
// field of the schema has a description, as clients read them in their
// tools.
func TestSchemaIsDescribed(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	type described struct {
		Name        string
		Description *string
	}
	var out struct {
		Schema struct {
			Types []struct {
				described
				Fields []struct {
					described
					Args []described
				}
				InputFields []described
				EnumValues  []described
			}
		} `json:"__schema"`
	}
	c.mustDo(`{ __schema { types { name description
		fields { name description args { name description } }
		inputFields { name description }
		enumValues { name description } } } }`, nil, &out)
	builtIn := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	missing := func(d described) bool { return d.Description == nil || strings.TrimSpace(*d.Description) == "" }
	for _, typ := range out.Schema.Types {
		if strings.HasPrefix(typ.Name, "__") || builtIn[typ.Name] {
			continue
		}
		if missing(typ.described) {
			t.Errorf("type %s has no description", typ.Name)
		}
		for _, f := range typ.Fields {
			if missing(f.described) {
				t.Errorf("field %s.%s has no description", typ.Name, f.Name)
			}
			for _, a := range f.Args {
				if missing(a) {
					t.Errorf("argument %s.%s(%s) has no description", typ.Name, f.Name, a.Name)
				}
			}
		}
		for _, f := range typ.InputFields {
			if missing(f) {
				t.Errorf("input field %s.%s has no description", typ.Name, f.Name)
			}
		}
		for _, v := range typ.EnumValues {
			if missing(v) {
				t.Errorf("enum value %s.%s has no description", typ.Name, v.Name)
			}
		}
	}
}
