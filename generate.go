package main

// The module's generated code, all from schema.graphqls: gqlgen writes the
// GraphQL server (graph/generated.go, graph/model) as gqlgen.yml says, and
// genqlient the Go client (client/generated.go). `make generate` runs
// these; `make check-generated` fails when their output is not committed.

//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go tool genqlient client/genqlient.yaml
