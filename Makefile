# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go

.PHONY: run test generate lint migrate build check-generated bench-query

## run: serve the API on :8080 with a private PostgreSQL under .data/ (unless DATABASE_URL is set)
run:
	@if [ -z "$$DATABASE_URL" ]; then ./scripts/ensure-postgres.sh; fi
	$(GO) run . dev

## test: all tests against a real PostgreSQL (a throwaway cluster unless TEST_DATABASE_URL is set)
test:
	@if [ -z "$$TEST_DATABASE_URL" ]; then ./scripts/ensure-postgres.sh; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 10m ./...

## generate: regenerate the GraphQL code from schema.graphqls
generate:
	$(GO) generate ./...

## check-generated: fail when the generated code is out of date
check-generated: generate
	git diff --exit-code -- graph/

## lint: gofmt and go vet
lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

## migrate: apply pending migrations to DATABASE_URL
migrate:
	$(GO) run . migrate up

## build: build the server binary into bin/server
build:
	$(GO) build -trimpath -o bin/server .

## bench-query: the query benchmark (not part of test): seeds 1,000,000 contacts into a
## throwaway PostgreSQL, prints the median time and EXPLAIN ANALYZE plan of each filter's
## first page and of a page 500,000 rows deep. BENCH_ARGS="-data DIR" keeps the seeded cluster.
bench-query:
	@./scripts/ensure-postgres.sh
	$(GO) run ./bench/query $(BENCH_ARGS)
