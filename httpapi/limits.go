package httpapi

import "github.com/contacts-api/contacts/db"

// Limits bound what one request may ask of the server. Each is checked
// before any resolver runs, so a refused request reads and writes nothing.
// A zero field takes its value from DefaultLimits.
type Limits struct {
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// MaxBulkBodyBytes bounds the body of a mutation made only of bulk
	// fields (marked @bulk in the schema: bulkUpsertContacts, bulkUpsertAccounts, deleteContacts),
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
	// MaxComplexity bounds an operation's cost (see graph's complexity.go).
	MaxComplexity int
	// MaxConcurrentCost bounds the cost of the operations that run at
	// once in the process; the others wait (see extensions.Admission).
	MaxConcurrentCost int
	// MaxConcurrentOperations bounds the requests that run at once in
	// the process, whatever their cost (see turns): by default as many as
	// the database pool has connections (DATABASE_POOL_SIZE; see
	// db.DefaultPoolSize).
	MaxConcurrentOperations int
	// MaxResponseBytes bounds the data of one response; past it, the
	// operation ends with RESPONSE_TOO_LARGE (see extensions.ResponseCeiling).
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
	MaxConcurrentCost:       1_000_000,
	MaxConcurrentOperations: db.DefaultPoolSize(),
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
	orDefault(&l.MaxConcurrentOperations, def.MaxConcurrentOperations)
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
