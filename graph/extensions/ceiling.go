package extensions

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
)

// ResponseCeiling ends an operation whose response grows past a number of
// bytes with RESPONSE_TOO_LARGE, instead of holding the rest of it in
// memory. The cost of an operation bounds its records, not the length of
// their texts: a page of 60 contacts whose names are a megabyte each
// costs 180 and is 117 MB of JSON. The executor writes the whole data of
// a response into one buffer before it is sent; each root field writes
// its value through a writer that counts the bytes of the response and,
// past the ceiling, stops the writing at once by panicking with
// responseTooLarge, which InterceptResponse recovers. That covers the
// values the fast path (graph/fastpath) writes itself, as they are written under a root field.
type ResponseCeiling struct {
	// MaxBytes bounds the data of one response.
	MaxBytes int64
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.RootFieldInterceptor
} = ResponseCeiling{}

// ExtensionName names the ceiling in gqlgen's statistics.
func (ResponseCeiling) ExtensionName() string { return "ResponseCeiling" }

// Validate accepts any schema.
func (ResponseCeiling) Validate(graphql.ExecutableSchema) error { return nil }

// responseBytesKey holds the bytes a response may still grow by.
var responseBytesKey = ctxkey.New[*int64]("extensions.responseBytes")

// responseTooLarge is the panic of a writer past the ceiling.
type responseTooLarge struct{}

// InterceptResponse counts the bytes of the response's data, and answers
// RESPONSE_TOO_LARGE when they grow past the ceiling.
func (c ResponseCeiling) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) (resp *graphql.Response) {
	left := c.MaxBytes
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if _, ok := p.(responseTooLarge); !ok {
			panic(p)
		}
		resp = &graphql.Response{Errors: gqlerror.List{c.error(ctx)}}
	}()
	return next(responseBytesKey.With(ctx, &left))
}

// error returns the error of a response past the ceiling; a mutation's
// says that it ran, so that no client takes it for one that failed.
func (c ResponseCeiling) error(ctx context.Context) *gqlerror.Error {
	format := "The response grew past %d bytes and was dropped: ask for smaller pages (first) or fewer fields."
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
		format = "The mutation ran, but its response grew past %d bytes and was dropped: select fewer of the fields it returns."
	}
	err := shapeError(graph.CodeResponseTooLarge, format, c.MaxBytes)
	request.Of(ctx).AddErrors(err)
	return err
}

// InterceptRootField writes the root field's value through a writer that
// counts its bytes. Null stays as it is: the executor compares a non-null
// field's value with it.
func (ResponseCeiling) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	m := next(ctx)
	left, ok := responseBytesKey.Lookup(ctx)
	if !ok || m == graphql.Null || m == graphql.RequiredNull {
		return m
	}
	return graphql.WriterFunc(func(w io.Writer) {
		m.MarshalGQL(ceilingWriter{w: w, left: left})
	})
}

// ceilingWriter writes to w while the bytes left of the response allow,
// and panics with responseTooLarge past them. The root fields of a
// response write one after the other, in the executor's goroutine.
type ceilingWriter struct {
	w    io.Writer
	left *int64
}

func (c ceilingWriter) Write(p []byte) (int, error) {
	c.take(len(p))
	return c.w.Write(p)
}

// WriteString spares the marshalers' many short strings a copy each.
func (c ceilingWriter) WriteString(s string) (int, error) {
	c.take(len(s))
	return io.WriteString(c.w, s)
}

func (c ceilingWriter) take(n int) {
	if *c.left -= int64(n); *c.left < 0 {
		panic(responseTooLarge{})
	}
}
