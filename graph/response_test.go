package graph

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestWriteResponseWritesWhatEncodingJSONWrites(t *testing.T) {
	hasNext := true
	tests := []struct {
		name string
		resp graphql.Response
	}{
		{"data", graphql.Response{Data: json.RawMessage(`{"contacts":{"nodes":[{"id":"contact_1"}]}}`)}},
		{"no data", graphql.Response{}},
		{"errors and null data", graphql.Response{Errors: gqlerror.List{{Message: "No.", Path: ast.Path{ast.PathName("contact")}, Extensions: map[string]any{"code": "FORBIDDEN"}}}}},
		{"errors, data and extensions", graphql.Response{
			Errors: gqlerror.List{{Message: "Partly."}}, Data: json.RawMessage(`{"a":null}`),
			Extensions: map[string]any{"cost": 3},
		}},
		{"every member", graphql.Response{
			Data: json.RawMessage(`[1]`), Label: "later", Path: ast.Path{ast.PathName("a"), ast.PathIndex(2)},
			HasNext: &hasNext, Extensions: map[string]any{"x": "y"},
		}},
	}
	for _, tt := range tests {
		want, err := json.Marshal(&tt.resp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		WriteResponse(&got, &tt.resp)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: wrote\n%s\nwant\n%s", tt.name, got.Bytes(), want)
		}
	}
}
