package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound what one request may ask of the server. Each is checked
// before any resolver runs, so a refused request reads and writes nothing.
// A zero field takes its value from DefaultLimits.
type Limits struct {
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// MaxBulkBodyBytes bounds the body of a mutation made only of bulk
	// fields (bulkUpsertContacts, bulkUpsertAccounts, deleteContacts),
	// whose 1,000 inputs need more than MaxBodyBytes.
	MaxBulkBodyBytes int64
	// MaxInflightBodyBytes bounds the bytes of the request bodies held
	// in memory at once in the process, reserved as they are received;
	// a body that finds no room within a second is refused with 503. It
	// must be more than MaxBulkBodyBytes.
	MaxInflightBodyBytes int64
	// MaxTokens bounds the lexical tokens of a GraphQL document; the
	// parser stops at the first one over.
	MaxTokens int
	// MaxDepth bounds how deeply selection sets nest.
	MaxDepth int
	// MaxAliases bounds the aliased fields of one selection set.
	MaxAliases int
	// MaxFields bounds the fields written in a document, those of its
	// fragments included (each as often as it is written, not as often
	// as it is spread).
	MaxFields int
	// MaxSelectionFields bounds the fields of one selection set, those
	// of the inline fragments in it included.
	MaxSelectionFields int
	// MaxFragmentSpreads bounds the fragment spreads written in a
	// document.
	MaxFragmentSpreads int
	// MaxComplexity bounds an operation's cost (see complexityRoot).
	MaxComplexity int
	// MaxConcurrentCost bounds the cost of the operations that run at
	// once in the process; the others wait (see admission).
	MaxConcurrentCost int
	// MaxResponseBytes bounds the data of one response; past it, the
	// operation ends with RESPONSE_TOO_LARGE (see responseCeiling).
	MaxResponseBytes int64
}

// DefaultLimits are the limits of a server that sets none.
var DefaultLimits = Limits{
	MaxBodyBytes:     100 << 10,
	MaxBulkBodyBytes: 2 << 20,
	// Thirty-two bulk bodies at once, or 640 of MaxBodyBytes.
	MaxInflightBodyBytes: 64 << 20,
	MaxTokens:            10_000,
	MaxDepth:             15,
	MaxAliases:           15,
	// Validation compares the fields of a selection set that share a
	// response name pairwise, and their selections in turn: a document
	// of n fields can cost n² comparisons (9,000 took 2.9 s; the worst
	// of 500, a few milliseconds). Real operations have a few dozen
	// fields: GraphiQL's introspection query 64.
	MaxFields: 500,
	// A selection set needs at most each field of its type once, and
	// MaxAliases copies (a test checks the widest type fits).
	MaxSelectionFields: 100,
	// Every two fragments spread in one selection set are compared: a
	// few hundred spreads are cheap; the introspection query has 8.
	MaxFragmentSpreads: 200,
	MaxComplexity:      100_000,
	// Ten operations at the default MaxComplexity, about 20 MB of
	// records and responses.
	MaxConcurrentCost: 1_000_000,
	// A page of 999 contacts with their names at their longest and 20
	// phones each is about 7 MB; free texts (descriptions, metadata,
	// custom fields) can make more.
	MaxResponseBytes: 16 << 20,
}

// withDefaults returns l with its zero fields set from DefaultLimits.
func (l Limits) withDefaults() Limits {
	def := DefaultLimits
	orDefault(&l.MaxBodyBytes, def.MaxBodyBytes)
	orDefault(&l.MaxBulkBodyBytes, max(def.MaxBulkBodyBytes, l.MaxBodyBytes))
	orDefault(&l.MaxInflightBodyBytes, def.MaxInflightBodyBytes)
	orDefault(&l.MaxTokens, def.MaxTokens)
	orDefault(&l.MaxDepth, def.MaxDepth)
	orDefault(&l.MaxAliases, def.MaxAliases)
	orDefault(&l.MaxFields, def.MaxFields)
	orDefault(&l.MaxSelectionFields, def.MaxSelectionFields)
	orDefault(&l.MaxFragmentSpreads, def.MaxFragmentSpreads)
	orDefault(&l.MaxComplexity, def.MaxComplexity)
	orDefault(&l.MaxConcurrentCost, def.MaxConcurrentCost)
	orDefault(&l.MaxResponseBytes, def.MaxResponseBytes)
	return l
}

// orDefault sets *v to def when it is zero.
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Codes of the errors of hostile requests, in extensions.code.
const (
	CodeBodyTooLarge          = "BODY_TOO_LARGE"
	CodeBatchNotSupported     = "BATCHING_NOT_SUPPORTED"
	CodeUnsupportedMediaType  = "UNSUPPORTED_MEDIA_TYPE"
	CodeMethodNotAllowed      = "METHOD_NOT_ALLOWED"
	CodeTooManyTokens         = "TOO_MANY_TOKENS"
	CodeQueryTooDeep          = "QUERY_TOO_DEEP"
	CodeTooManyAliases        = "TOO_MANY_ALIASES"
	CodeTooManyFields         = "TOO_MANY_FIELDS"
	CodeSelectionSetTooWide   = "SELECTION_SET_TOO_WIDE"
	CodeTooManySpreads        = "TOO_MANY_FRAGMENT_SPREADS"
	CodeComplexityLimitExceed = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
)

func init() {
	// Refusals of a document's shape are protocol errors, like those of
	// parsing and validation: 400 (or 422 for application/json).
	for _, code := range []string{
		CodeTooManyTokens, CodeTooManyFields, CodeSelectionSetTooWide, CodeTooManySpreads,
		CodeQueryTooDeep, CodeTooManyAliases, CodeComplexityLimitExceed, CodeIntrospectionDisabled,
	} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// queryShape refuses, before validation, a document of too many tokens,
// fields or fragment spreads, or with too wide a selection set; and after
// validation, before any resolver, an operation that nests deeper than
// MaxDepth, has a selection set of more than MaxAliases aliased fields,
// costs more than MaxComplexity or, with introspection off, asks for
// __schema or __type. It records the cost of the others for the cost
// budget.
type queryShape struct {
	limits          Limits
	noIntrospection bool
	es              graphql.ExecutableSchema
	// documents is the executor's cache of parsed and validated
	// documents, which hold to the limits checked before validation.
	documents graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*queryShape)(nil)

// ExtensionName names the extension in gqlgen's statistics.
func (*queryShape) ExtensionName() string { return "QueryShape" }

// Validate keeps the schema whose complexity functions price fields.
func (q *queryShape) Validate(es graphql.ExecutableSchema) error {
	q.es = es
	return nil
}

// MutateOperationParameters refuses, before the executor parses and
// validates it, a document of more than MaxTokens tokens, or one whose
// selections are over MaxFields, MaxSelectionFields or
// MaxFragmentSpreads: validation takes time in proportion to the square
// of their number. A document the executor has cached passed already.
func (q *queryShape) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if err := q.countTokens(params.Query); err != nil {
		return err
	}
	if _, ok := q.documents.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: params.Query})
	if err != nil {
		return nil // the executor reports it
	}
	return q.limits.countSelections(doc)
}

// countTokens refuses a document of more than MaxTokens tokens before it
// is parsed: counting tokens costs a fraction of building the parser's
// tree of ten thousand of them. (The parser's own limit stays, and its
// error gets the same code.)
func (q *queryShape) countTokens(query string) *gqlerror.Error {
	lex := lexer.New(&ast.Source{Input: query})
	for range q.limits.MaxTokens + 1 {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil // the parser reports a lexical error
		}
	}
	return shapeError(CodeTooManyTokens, "The document has more than %d tokens.", q.limits.MaxTokens)
}

// countSelections refuses a document with more fields or fragment spreads
// than l allows, as they are written: the parsed document, before
// validation, has no fragment resolved yet.
func (l Limits) countSelections(doc *ast.QueryDocument) *gqlerror.Error {
	var c selectionCount
	for _, op := range doc.Operations {
		c.selectionSet(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.selectionSet(f.SelectionSet)
	}
	switch {
	case c.fields > l.MaxFields:
		return shapeError(CodeTooManyFields, "The document has %d fields; at most %d are allowed.", c.fields, l.MaxFields)
	case c.widest > l.MaxSelectionFields:
		return shapeError(CodeSelectionSetTooWide, "A selection set has %d fields; at most %d are allowed.", c.widest, l.MaxSelectionFields)
	case c.spreads > l.MaxFragmentSpreads:
		return shapeError(CodeTooManySpreads, "The document has %d fragment spreads; at most %d are allowed.", c.spreads, l.MaxFragmentSpreads)
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
func (q *queryShape) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	w := shapeWalker{
		ctx: ctx, es: q.es, vars: opCtx.Variables, maxAliases: q.limits.MaxAliases,
		noIntrospection: q.noIntrospection, fragments: opCtx.Doc.Fragments, measured: map[string]*shape{},
	}
	s, err := w.selectionSet(opCtx.Operation.SelectionSet)
	switch {
	case err != nil:
		return err
	case s.depth > q.limits.MaxDepth:
		return shapeError(CodeQueryTooDeep, "The operation nests %d levels deep; at most %d are allowed.", s.depth, q.limits.MaxDepth)
	case s.cost > q.limits.MaxComplexity:
		return shapeError(CodeComplexityLimitExceed,
			"The operation costs %d, over the limit of %d: ask for smaller pages (first) or fewer nested lists.", s.cost, q.limits.MaxComplexity)
	}
	opCtx.Stats.SetExtension(costExtension, s.cost)
	return nil
}

// costExtension keys an operation's cost in its statistics.
const costExtension = "Cost"

func shapeError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// shape is what queryShape measures of a selection set.
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
		return total, shapeError(CodeTooManyAliases, "A selection set has %d aliased fields; at most %d are allowed.", total.aliases, w.maxAliases)
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
		total.cost = addCost(total.cost, s.cost)
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
		return shape{}, shapeError(CodeIntrospectionDisabled, "Introspection is turned off on this server.")
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
// complexityRoot), or at 1 plus its children's cost when it has none. An
// interface's field costs what it costs on its most expensive
// implementation. Introspection costs 1: its answer is the schema.
func (w *shapeWalker) fieldCost(f *ast.Field, childCost int) int {
	if strings.HasPrefix(f.Name, "__") || f.ObjectDefinition == nil {
		return 1
	}
	args := f.ArgumentMap(w.vars)
	types := []*ast.Definition{f.ObjectDefinition}
	if f.ObjectDefinition.IsAbstractType() {
		types = w.es.Schema().GetPossibleTypes(f.ObjectDefinition)
	}
	cost := 0
	for _, t := range types {
		c, ok := w.es.Complexity(w.ctx, t.Name, f.Name, childCost, args)
		if !ok || c < 1 {
			c = addCost(1, childCost)
		}
		cost = max(cost, c)
	}
	return cost
}

// addCost adds two costs, saturating rather than overflowing.
func addCost(a, b int) int {
	if a > maxCost-b {
		return maxCost
	}
	return a + b
}

// mulCost multiplies two costs, saturating rather than overflowing.
func mulCost(a, b int) int {
	if a != 0 && b > maxCost/a {
		return maxCost
	}
	return a * b
}

const maxCost = int(^uint(0) >> 1)
