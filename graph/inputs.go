package graph

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/service"
)

// Every text that a client sends is bounded and storable before any
// resolver runs. The bounds are the schema's @maxLength directives, on
// arguments, input fields and scalars, read once when the handler is
// built: the schema is the one place they are written. PostgreSQL cannot
// store NUL or invalid UTF-8 in text or jsonb; such a value, anywhere in
// an argument (in JSON values and their keys too), is refused here, where
// it is a user error, and not by the database, where it would fail the
// statement (after a commit, in the worst case) as an internal error.
//
// A value refused in a mutation's arguments is a user error in the
// mutation's payload, at the value's path (service.WithInputProblems):
// the service writes nothing it concerns and, in a bulk call, still
// writes the other inputs. A value refused in any other argument (a
// query's, or a field's under a mutation) refuses the operation with
// BAD_USER_INPUT before anything runs.

// maxLengthDirective names the directive that bounds a text input.
const maxLengthDirective = "maxLength"

// inputRules are the text rules of a schema's inputs.
type inputRules struct {
	schema *ast.Schema
	// maxChars is the @maxLength of each argument and input field
	// definition (keyed by its pointer) that has one, and of each scalar
	// (keyed by its name).
	maxChars map[any]int
}

// newInputRules reads the @maxLength directives of schema.
func newInputRules(schema *ast.Schema) *inputRules {
	r := &inputRules{schema: schema, maxChars: map[any]int{}}
	for _, t := range schema.Types {
		r.note(t.Name, t.Directives)
		for _, f := range t.Fields {
			r.note(f, f.Directives)
			for _, a := range f.Arguments {
				r.note(a, a.Directives)
			}
		}
	}
	return r
}

// note records the maximum that directives set on key, if any.
func (r *inputRules) note(key any, directives ast.DirectiveList) {
	if n, ok := maxLengthOf(directives); ok {
		r.maxChars[key] = n
	}
}

// maxLengthOf returns the maximum of a @maxLength among directives.
func maxLengthOf(directives ast.DirectiveList) (int, bool) {
	d := directives.ForName(maxLengthDirective)
	if d == nil {
		return 0, false
	}
	n, err := strconv.Atoi(d.Arguments.ForName("chars").Value.Raw)
	return n, err == nil
}

// arguments checks the arguments of field (with the operation's
// variables) and returns a problem for each value refused, at its path
// from the argument's name.
func (r *inputRules) arguments(field *ast.Field, vars map[string]any) []*service.UserError {
	if len(field.Arguments) == 0 || field.Definition == nil {
		return nil
	}
	values := field.ArgumentMap(vars)
	w := textWalk{rules: r}
	for _, def := range field.Definition.Arguments {
		w.at = append(w.at[:0], def.Name)
		w.value(def.Type, r.maxChars[def], values[def.Name])
	}
	return w.problems
}

// textWalk checks the values of arguments. at is the path of the value
// being checked, a stack that only a problem copies: a bulk call of 1,000
// inputs is checked without a path per value.
type textWalk struct {
	rules    *inputRules
	at       []string
	problems []*service.UserError
}

// value checks v, of type t (nil inside a JSON value) and bounded by max
// characters (0: by its scalar's bound, if any).
func (w *textWalk) value(t *ast.Type, max int, v any) {
	switch v := v.(type) {
	case string:
		if max == 0 && t != nil {
			max = w.rules.maxChars[t.Name()]
		}
		w.text(max, v)
	case []any:
		elem := t
		if t != nil && t.Elem != nil {
			elem = t.Elem
		}
		for i, e := range v {
			w.child(strconv.Itoa(i), elem, max, e)
		}
	case map[string]any:
		if t != nil {
			if def := w.rules.schema.Types[t.Name()]; def != nil && def.Kind == ast.InputObject {
				for _, f := range def.Fields {
					if fv, ok := v[f.Name]; ok {
						w.child(f.Name, f.Type, w.rules.maxChars[f], fv)
					}
				}
				return
			}
		}
		// A JSON object: its keys are stored too. A refused key is
		// reported at its object: a path with it could not be stored (in
		// an idempotency record, say) either.
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if !storable(k) {
				w.text(0, k)
				continue
			}
			w.child(k, nil, 0, v[k])
		}
	}
}

// child checks the value v under the key of the current value.
func (w *textWalk) child(key string, t *ast.Type, max int, v any) {
	w.at = append(w.at, key)
	w.value(t, max, v)
	w.at = w.at[:len(w.at)-1]
}

// text checks one string: storable, and at most max characters (0: any).
func (w *textWalk) text(max int, s string) {
	switch {
	case !storable(s):
		w.refuse(service.Invalid, "%s must not contain the NUL character or invalid UTF-8.", fieldName(w.at))
	case max > 0 && len(s) > max && utf8.RuneCountInString(s) > max:
		w.refuse(service.TooLong, "%s must be at most %d characters.", fieldName(w.at), max)
	}
}

func (w *textWalk) refuse(code service.ErrorCode, format string, args ...any) {
	w.problems = append(w.problems, &service.UserError{Field: slices.Clone(w.at), Code: code, Message: fmt.Sprintf(format, args...)})
}

// storable reports whether PostgreSQL can store s as text: valid UTF-8
// without NUL. (JSON decoding already turns invalid UTF-8 and lone
// surrogate escapes into U+FFFD; a GraphQL document in a GET request's
// URL is not decoded that way.)
func storable(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// fieldName names the value at path for messages: its last name that is
// not a list index.
func fieldName(at []string) string {
	for i := len(at) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(at[i]); err != nil {
			return at[i]
		}
	}
	return strings.Join(at, ".")
}

// inputChecks is the extension that applies inputRules to every argument
// of an operation before it runs.
type inputChecks struct {
	rules *inputRules
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*inputChecks)(nil)

// ExtensionName names the extension in gqlgen's statistics.
func (*inputChecks) ExtensionName() string { return "InputChecks" }

// Validate reads the text rules of the schema.
func (c *inputChecks) Validate(es graphql.ExecutableSchema) error {
	c.rules = newInputRules(es.Schema())
	return nil
}

// MutateOperationContext refuses the operation with BAD_USER_INPUT when an
// argument other than a mutation's own is refused. A fragment is checked
// once however often it is spread: its arguments do not depend on where.
func (c *inputChecks) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil {
		return nil
	}
	w := argumentWalker{rules: c.rules, opCtx: opCtx, seen: map[string]bool{}}
	return w.selectionSet(opCtx.Operation.SelectionSet)
}

// argumentWalker checks the arguments of the fields of selection sets.
type argumentWalker struct {
	rules *inputRules
	opCtx *graphql.OperationContext
	seen  map[string]bool
}

func (w *argumentWalker) selectionSet(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			err = w.field(sel)
		case *ast.InlineFragment:
			err = w.selectionSet(sel.SelectionSet)
		case *ast.FragmentSpread:
			if sel.Definition != nil && !w.seen[sel.Name] {
				w.seen[sel.Name] = true
				err = w.selectionSet(sel.Definition.SelectionSet)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *argumentWalker) field(f *ast.Field) *gqlerror.Error {
	if !w.isMutation(f) {
		if ps := w.rules.arguments(f, w.opCtx.Variables); len(ps) > 0 {
			return &gqlerror.Error{
				Message: fmt.Sprintf("%s (argument %s of %s).",
					strings.TrimSuffix(ps[0].Message, "."), strings.Join(ps[0].Field, "."), f.Name),
				Extensions: map[string]any{"code": service.CodeBadUserInput, "field": ps[0].Field},
			}
		}
	}
	return w.selectionSet(f.SelectionSet)
}

// isMutation reports whether f is a mutation, whose arguments are checked
// as it runs (refuseInput) so that their problems become user errors.
func (w *argumentWalker) isMutation(f *ast.Field) bool {
	m := w.rules.schema.Mutation
	return m != nil && f.ObjectDefinition == m
}

// refuseInput is the root field middleware that gives a mutation the
// problems of its arguments (see service.WithInputProblems).
func (c *inputChecks) refuseInput(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx.Operation.Operation == ast.Mutation {
		if ps := c.rules.arguments(graphql.GetRootFieldContext(ctx).Field.Field, opCtx.Variables); len(ps) > 0 {
			ctx = service.WithInputProblems(ctx, ps)
		}
	}
	return next(ctx)
}
