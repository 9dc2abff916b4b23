// Package extensions holds the gqlgen extensions of the server, each a
// small type that gqlgen runs around every operation: the shape and cost
// of a document (QueryShape), strict variables, the cost budget, the
// admission of costly operations, the ceiling on a response's size, the
// recording of the operation for the log, and the cache of persisted
// queries.
package extensions

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/contacts-api/contacts/graph"
)

// QueryShape refuses, before validation, a document of too many tokens,
// fields or fragment spreads, or with too wide a selection set; and after
// validation, before any resolver, an operation that nests deeper than
// MaxDepth, has a selection set of more than MaxAliases aliased fields,
// costs more than MaxComplexity or, with introspection off, asks for
// __schema or __type. It records the cost of the others for the cost
// budget.
type QueryShape struct {
	// The limits of a document and its operation, as httpapi.Limits
	// documents them.
	MaxTokens, MaxDepth, MaxAliases, MaxFields, MaxSelectionFields, MaxFragmentSpreads, MaxComplexity int
	// NoIntrospection refuses __schema and __type.
	NoIntrospection bool
	// Documents is the executor's cache of parsed and validated
	// documents, which hold to the limits checked before validation.
	Documents graphql.Cache[*ast.QueryDocument]

	es    graphql.ExecutableSchema
	plain map[typeField]bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*QueryShape)(nil)

// ExtensionName names the extension in gqlgen's statistics.
func (*QueryShape) ExtensionName() string { return "QueryShape" }

// Validate keeps the schema whose complexity functions price fields.
func (q *QueryShape) Validate(es graphql.ExecutableSchema) error {
	q.es, q.plain = es, plainFields(es)
	return nil
}

// typeField names a field of an object type.
type typeField struct{ typ, field string }

// plainFields returns the fields of es's object types that have no
// arguments and no complexity function: such a field costs 1 plus its
// children, and asking es for its price, which builds an execution
// context each time, finds none. Most fields are plain.
func plainFields(es graphql.ExecutableSchema) map[typeField]bool {
	plain := map[typeField]bool{}
	for _, t := range es.Schema().Types {
		if t.Kind != ast.Object {
			continue
		}
		for _, f := range t.Fields {
			if len(f.Arguments) > 0 {
				continue
			}
			if _, ok := es.Complexity(context.Background(), t.Name, f.Name, 0, nil); !ok {
				plain[typeField{t.Name, f.Name}] = true
			}
		}
	}
	return plain
}

// MutateOperationParameters refuses, before the executor parses and
// validates it, a document of more than MaxTokens tokens, or one whose
// selections are over MaxFields, MaxSelectionFields or
// MaxFragmentSpreads: validation takes time in proportion to the square
// of their number. A document the executor has cached passed already.
func (q *QueryShape) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := q.Documents.Get(ctx, params.Query); ok {
		return nil
	}
	if err := q.countTokens(params.Query); err != nil {
		return err
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: params.Query})
	if err != nil {
		return nil // the executor reports it
	}
	return q.countSelections(doc)
}

// countTokens refuses a document of more than MaxTokens tokens before it
// is parsed: counting tokens costs a fraction of building the parser's
// tree of ten thousand of them. (The parser's own limit stays, and its
// error gets the same code.)
func (q *QueryShape) countTokens(query string) *gqlerror.Error {
	lex := lexer.New(&ast.Source{Input: query})
	for range q.MaxTokens + 1 {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil // the parser reports a lexical error
		}
	}
	return shapeError(graph.CodeTooManyTokens, "The document has more than %d tokens.", q.MaxTokens)
}

// countSelections refuses a document with more fields or fragment spreads
// than q allows, as they are written: the parsed document, before
// validation, has no fragment resolved yet.
func (q *QueryShape) countSelections(doc *ast.QueryDocument) *gqlerror.Error {
	var c selectionCount
	for _, op := range doc.Operations {
		c.selectionSet(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.selectionSet(f.SelectionSet)
	}
	switch {
	case c.fields > q.MaxFields:
		return shapeError(graph.CodeTooManyFields, "The document has %d fields; at most %d are allowed.", c.fields, q.MaxFields)
	case c.widest > q.MaxSelectionFields:
		return shapeError(graph.CodeSelectionSetTooWide, "A selection set has %d fields; at most %d are allowed.", c.widest, q.MaxSelectionFields)
	case c.spreads > q.MaxFragmentSpreads:
		return shapeError(graph.CodeTooManySpreads, "The document has %d fragment spreads; at most %d are allowed.", c.spreads, q.MaxFragmentSpreads)
	}
	return nil
}

// selectionCount counts the selections of a document.
type selectionCount struct {
	fields, spreads int
	// widest is the most fields of one selection set.
	widest int
}

// selectionSet counts set and the selection sets under it.
func (c *selectionCount) selectionSet(set ast.SelectionSet) {
	c.widest = max(c.widest, c.add(set))
}

// add counts the selections of set and returns its fields: those of the
// inline fragments in it included, as validation merges them into it.
func (c *selectionCount) add(set ast.SelectionSet) int {
	width := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			c.fields++
			width++
			c.selectionSet(sel.SelectionSet)
		case *ast.InlineFragment:
			width += c.add(sel.SelectionSet)
		case *ast.FragmentSpread:
			c.spreads++
		}
	}
	return width
}

// MutateOperationContext measures the operation and refuses it when it is
// over a limit.
func (q *QueryShape) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	w := shapeWalker{
		ctx: ctx, es: q.es, plain: q.plain, vars: opCtx.Variables, maxAliases: q.MaxAliases,
		noIntrospection: q.NoIntrospection, fragments: opCtx.Doc.Fragments, measured: map[string]*shape{},
	}
	s, err := w.selectionSet(opCtx.Operation.SelectionSet)
	switch {
	case err != nil:
		return err
	case s.depth > q.MaxDepth:
		return shapeError(graph.CodeQueryTooDeep, "The operation nests %d levels deep; at most %d are allowed.", s.depth, q.MaxDepth)
	case s.cost > q.MaxComplexity:
		return shapeError(graph.CodeComplexityLimitExceed,
			"The operation costs %d, over the limit of %d: ask for smaller pages (first) or fewer nested lists.", s.cost, q.MaxComplexity)
	}
	opCtx.Stats.SetExtension(CostExtension, s.cost)
	return nil
}

// CostExtension keys an operation's cost in its statistics.
const CostExtension = "Cost"

func shapeError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// shape is what QueryShape measures of a selection set.
type shape struct {
	// depth is how many levels of fields it nests, itself included.
	depth int
	// cost is the sum of its fields' complexities.
	cost int
	// aliases counts its aliased fields, those of the fragments spread
	// into it included.
	aliases int
}

// shapeWalker measures selection sets. It measures each fragment once,
// however often it is spread, so that a document of fragments that each
// spread the next one twice costs its size, not two to the power of it.
type shapeWalker struct {
	ctx        context.Context
	es         graphql.ExecutableSchema
	plain      map[typeField]bool // see plainFields
	vars       map[string]any
	maxAliases int
	// noIntrospection refuses __schema and __type.
	noIntrospection bool
	fragments       ast.FragmentDefinitionList
	// measured holds the shape of each fragment measured so far; nil
	// while it is being measured.
	measured map[string]*shape
}

// selectionSet measures set and refuses it, or one of the selection sets
// under it, when it has too many aliased fields.
func (w *shapeWalker) selectionSet(set ast.SelectionSet) (shape, *gqlerror.Error) {
	var total shape
	seen := map[string]bool{}
	if err := w.addSelections(&total, set, seen); err != nil {
		return total, err
	}
	if total.aliases > w.maxAliases {
		return total, shapeError(graph.CodeTooManyAliases, "A selection set has %d aliased fields; at most %d are allowed.", total.aliases, w.maxAliases)
	}
	return total, nil
}

// addSelections adds the shapes of set's selections to total. Fragments
// spread at one level count once there, as they are executed once.
func (w *shapeWalker) addSelections(total *shape, set ast.SelectionSet, seen map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		var s shape
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			s, err = w.field(sel)
		case *ast.InlineFragment:
			err = w.addSelections(total, sel.SelectionSet, seen)
		case *ast.FragmentSpread:
			if seen[sel.Name] {
				continue
			}
			seen[sel.Name] = true
			s, err = w.fragment(sel.Name)
		}
		if err != nil {
			return err
		}
		total.depth = max(total.depth, s.depth)
		total.cost = graph.AddCost(total.cost, s.cost)
		total.aliases += s.aliases
	}
	return nil
}

// fragment measures the fragment named name, once.
func (w *shapeWalker) fragment(name string) (shape, *gqlerror.Error) {
	if s, ok := w.measured[name]; ok {
		if s == nil { // a cycle, which validation refuses before this runs
			return shape{}, nil
		}
		return *s, nil
	}
	def := w.fragments.ForName(name)
	if def == nil {
		return shape{}, nil
	}
	w.measured[name] = nil
	var s shape
	if err := w.addSelections(&s, def.SelectionSet, map[string]bool{}); err != nil {
		return s, err
	}
	w.measured[name] = &s
	return s, nil
}

// field measures one field: its depth, its cost and whether it is aliased.
func (w *shapeWalker) field(f *ast.Field) (shape, *gqlerror.Error) {
	if w.noIntrospection && (f.Name == "__schema" || f.Name == "__type") {
		return shape{}, shapeError(graph.CodeIntrospectionDisabled, "Introspection is turned off on this server.")
	}
	var children shape
	if len(f.SelectionSet) > 0 {
		var err *gqlerror.Error
		if children, err = w.selectionSet(f.SelectionSet); err != nil {
			return children, err
		}
	}
	s := shape{depth: 1 + children.depth, cost: w.fieldCost(f, children.cost)}
	if f.Alias != "" && f.Alias != f.Name {
		s.aliases = 1
	}
	return s, nil
}

// fieldCost prices a field with its schema's complexity function (see
// graph's complexity.go), or at 1 plus its children's cost when it has none. An
// interface's field costs what it costs on its most expensive
// implementation. Introspection costs 1: its answer is the schema.
func (w *shapeWalker) fieldCost(f *ast.Field, childCost int) int {
	if strings.HasPrefix(f.Name, "__") || f.ObjectDefinition == nil {
		return 1
	}
	// A field without arguments has no map of them to build (a map per
	// field of every document).
	var args map[string]any
	if f.Definition == nil || len(f.Definition.Arguments) > 0 {
		args = f.ArgumentMap(w.vars)
	}
	types := []*ast.Definition{f.ObjectDefinition}
	if f.ObjectDefinition.IsAbstractType() {
		types = w.es.Schema().GetPossibleTypes(f.ObjectDefinition)
	}
	cost := 0
	for _, t := range types {
		c, ok := 0, false
		if !w.plain[typeField{t.Name, f.Name}] {
			c, ok = w.es.Complexity(w.ctx, t.Name, f.Name, childCost, args)
		}
		if !ok || c < 1 {
			c = graph.AddCost(1, childCost)
		}
		cost = max(cost, c)
	}
	return cost
}
