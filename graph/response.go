package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// WriteResponse writes resp as encoding/json would, its members in the
// same order, but its data as it is: the executor wrote it as JSON.
func WriteResponse(w io.Writer, resp *graphql.Response) {
	before, err1 := json.Marshal(struct {
		Errors gqlerror.List `json:"errors,omitempty"`
	}{resp.Errors})
	after, err2 := json.Marshal(struct {
		Label      string         `json:"label,omitempty"`
		Path       ast.Path       `json:"path,omitempty"`
		HasNext    *bool          `json:"hasNext,omitempty"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Label, resp.Path, resp.HasNext, resp.Extensions})
	if err := errors.Join(err1, err2); err != nil {
		panic(fmt.Errorf("encode a response: %w", err)) // as transport.POST does
	}
	data := resp.Data
	if data == nil {
		data = json.RawMessage("null")
	}
	// Both objects without their closing brace, data between them.
	w.Write(before[:len(before)-1])
	if len(before) > 2 {
		io.WriteString(w, ",")
	}
	io.WriteString(w, `"data":`)
	w.Write(data)
	if len(after) > 2 {
		io.WriteString(w, ",")
		w.Write(after[1:])
	} else {
		io.WriteString(w, "}")
	}
}
