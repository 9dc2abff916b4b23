package service

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
)

// MaxBulkItems bounds the records of one bulk mutation.
const MaxBulkItems = 1000

// CodeLimitExceeded refuses a bulk call over MaxBulkItems.
const CodeLimitExceeded = "LIMIT_EXCEEDED"

// Upserted is what an upsert of one record did, whatever its kind.
type Upserted struct {
	// Index is the upsert's position in a bulk call.
	Index int
	// Action says what the upsert did; nil when it failed.
	Action *Action
	// Changes is the change set of an update.
	Changes    Changes
	UserErrors []*UserError
}

// Created says whether the upsert created the record.
func (r *Upserted) Created() bool { return r.Action != nil && *r.Action == Created }

// upsertKind is a kind of record that upserts write by external id: U is
// its update input, In its upsert input and Result the outcome of one.
type upsertKind[R record, W writeOf[R], U, In, Result any] interface {
	editKind[R, W, U]
	// lockByExternalIDs returns the workspace's records with the external
	// ids (or, for contacts, merged ones), locked.
	lockByExternalIDs(ctx context.Context, b *batch, ids []string) ([]R, error)
	// mergedExternalIDs are the other external ids that find r.
	mergedExternalIDs(r R) []string
	// upsertedID is the external id that in upserts by.
	upsertedID(in In) string
	// startUpsert starts the write of in: an update of current, or, when
	// it is nil, a create.
	startUpsert(b *batch, at path, in In, current R) W
	// upsertResult is the outcome of write w, input i of its call.
	upsertResult(w W, i int) Result
}

// upsertOne runs the upsert of one input, the input of its mutation.
func upsertOne[R record, W writeOf[R], U, In, Result any](ctx context.Context, s *Service, kind upsertKind[R, W, U, In, Result], in In) (Result, error) {
	results, err := upsertBatch(ctx, s, kind, []In{in}, true, func(int) path { return inputPath })
	if err != nil {
		var none Result
		return none, err
	}
	return results[0], nil
}

// upsertBulk runs the upserts of the inputs of a bulk mutation of up to
// MaxBulkItems records.
func upsertBulk[R record, W writeOf[R], U, In, Result any](ctx context.Context, s *Service, kind upsertKind[R, W, U, In, Result], inputs []In, atomic bool) ([]Result, error) {
	if err := checkBulkSize(len(inputs), kind.noun()+"s"); err != nil {
		return nil, err
	}
	return upsertBatch(ctx, s, kind, inputs, atomic, func(i int) path { return path{"inputs"}.at(i) })
}

// upsertBatch runs the upserts of inputs as one batch, atomic or not, each
// input at pathOf(its index), and returns the outcome of each by its index.
func upsertBatch[R record, W writeOf[R], U, In, Result any](ctx context.Context, s *Service, kind upsertKind[R, W, U, In, Result], inputs []In, atomic bool, pathOf func(int) path) ([]Result, error) {
	writes, err := writeBatch(ctx, s, kind, atomic, func(ctx context.Context, b *batch) ([]W, error) {
		return loadUpserts(ctx, b, kind, inputs, pathOf)
	})
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(writes))
	for i, w := range writes {
		results[i] = kind.upsertResult(w, i)
	}
	return results, nil
}

// checkBulkSize refuses a bulk call of n records (nouns) over MaxBulkItems.
func checkBulkSize(n int, nouns string) error {
	if n > MaxBulkItems {
		return &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("At most %d %s per call, not %d.", MaxBulkItems, nouns, n)}
	}
	return nil
}

// upsertOutcome is what write w, input i of its call, did, with its
// record when it was written.
func upsertOutcome[R record](i int, w *recordWrite[R]) (R, Upserted) {
	u := Upserted{Index: i, UserErrors: w.ps}
	if u.UserErrors == nil {
		u.UserErrors = []*UserError{}
	}
	if !w.written {
		return nil, u
	}
	action := w.action()
	u.Action, u.Changes = &action, w.changes
	return w.record, u
}

// loadUpserts locks the records that the inputs' external ids name (also
// through the external ids merged into them) and starts one write per
// input: an update of the record found, or a create. Two inputs of one
// call that upsert one record are refused.
func loadUpserts[R record, W writeOf[R], U, In, Result any](ctx context.Context, b *batch, kind upsertKind[R, W, U, In, Result], inputs []In, pathOf func(int) path) ([]W, error) {
	refused := refusedInputs(ctx, len(inputs), pathOf)
	var externalIDs []string
	for i, in := range inputs {
		if refused[i] == nil {
			externalIDs = append(externalIDs, kind.upsertedID(in))
		}
	}
	existing, err := kind.lockByExternalIDs(ctx, b, dedupe(externalIDs))
	if err != nil {
		return nil, err
	}
	byExternalID := make(map[string]R, len(existing))
	for _, r := range existing {
		for _, id := range kind.mergedExternalIDs(r) {
			byExternalID[id] = r
		}
		byExternalID[*kind.externalID(r)] = r
	}
	writes := make([]W, len(inputs))
	// claimed holds the input that upserts a record first, by the record
	// found or else by the external id it creates.
	claimed := make(map[any]int)
	for i, in := range inputs {
		if refused[i] != nil {
			writes[i] = kind.refused(pathOf(i), refused[i])
			continue
		}
		externalID := kind.upsertedID(in)
		var key any = externalID
		current := byExternalID[externalID]
		if current != nil {
			key = current
		}
		writes[i] = kind.startUpsert(b, pathOf(i), in, current)
		w := writes[i].base()
		w.upsert = true
		if first, dup := claimed[key]; dup {
			w.ps.add(pathOf(i).at("externalId"), AlreadyExists, "Input %d of this call already upserts this %s.", first, kind.noun())
			continue
		}
		claimed[key] = i
	}
	return writes, nil
}

// upsertExternalID is the external id of the update that an upsert by
// externalID applies: set on a new record, absent on one found, which
// keeps its own (the upsert may have found it by an id merged into it).
func upsertExternalID(externalID string, creating bool) graphql.Omittable[*string] {
	if creating {
		return graphql.OmittableOf(&externalID)
	}
	return graphql.Omittable[*string]{}
}
