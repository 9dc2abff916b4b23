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
	EncodeResponse(resp).Send(w)
}

// EncodedResponse is a response encoded as WriteResponse writes it, in
// three parts so that its data, often most of it, is not copied.
type EncodedResponse struct {
	head, data, tail []byte
}

// EncodeResponse encodes resp (see WriteResponse).
func EncodeResponse(resp *graphql.Response) EncodedResponse {
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
	e := EncodedResponse{data: resp.Data}
	if e.data == nil {
		e.data = json.RawMessage("null")
	}
	// Both objects without their closing brace, data between them.
	e.head = before[:len(before)-1]
	if len(before) > 2 {
		e.head = append(e.head, ',')
	}
	e.head = append(e.head, `"data":`...)
	e.tail = []byte("}")
	if len(after) > 2 {
		e.tail = append(after[:0:0], ',')
		e.tail = append(e.tail, after[1:]...)
	}
	return e
}

// Len is the response's length in bytes.
func (e EncodedResponse) Len() int { return len(e.head) + len(e.data) + len(e.tail) }

// Send writes the response to w.
func (e EncodedResponse) Send(w io.Writer) {
	w.Write(e.head)
	w.Write(e.data)
	w.Write(e.tail)
}
