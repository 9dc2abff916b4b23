package service

import (
	"context"
	"slices"

	"github.com/contacts-api/contacts/ctxkey"
)

// inputProblemsKey holds the problems found in a mutation's arguments
// before it was called (see WithInputProblems).
var inputProblemsKey = ctxkey.New[problems]("service.inputProblems")

// WithInputProblems returns ctx carrying the problems that the GraphQL
// layer found in a mutation's arguments before calling it: values too
// long for the schema or that PostgreSQL cannot store. The mutation
// returns them as user errors and sends none of the values they concern
// to the database; a bulk mutation still writes its other inputs.
func WithInputProblems(ctx context.Context, ps []*UserError) context.Context {
	return inputProblemsKey.With(ctx, ps)
}

// inputProblems returns the problems of ctx at or under the path at.
func inputProblems(ctx context.Context, at path) problems {
	var ps problems
	for _, p := range inputProblemsKey.Value(ctx) {
		if len(p.Field) >= len(at) && slices.Equal(p.Field[:len(at)], at) {
			ps = append(ps, p)
		}
	}
	return ps
}

// refusedInputs returns the problems found before the service was called
// in each of n inputs, whose paths pathOf gives: nil for an input without.
func refusedInputs(ctx context.Context, n int, pathOf func(int) path) []problems {
	refused := make([]problems, n)
	for i := range refused {
		refused[i] = inputProblems(ctx, pathOf(i))
	}
	return refused
}
