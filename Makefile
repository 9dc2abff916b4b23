# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go

.PHONY: help run test generate lint migrate build check-generated playground-assets bench profile bench-query attack bench-webhooks

## help: list the targets (the default)
help:
	@sed -n 's/^## \([a-z-]*\): /\1\t/p' $(firstword $(MAKEFILE_LIST)) | expand -t 20

# run execs the binary rather than `go run`, which exits 1 after Ctrl-C
# whatever the server did: the server stops cleanly and make exits 0.
## run: serve the API on :8080 (ADDR=:8081 make run for another port) with a private PostgreSQL under .data/ (unless DATABASE_URL is set)
run:
	@if [ -z "$$DATABASE_URL" ]; then ./scripts/ensure-postgres.sh; fi
	$(GO) build -o bin/server .
	exec ./bin/server dev

## test: all tests against a real PostgreSQL (a throwaway cluster unless TEST_DATABASE_URL is set), in headless Chromium and the GraphQL-over-HTTP audit
test:
	@if [ -z "$$TEST_DATABASE_URL" ]; then ./scripts/ensure-postgres.sh; fi
	@./scripts/ensure-chromium.sh
	@./scripts/ensure-audit.sh
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 10m ./...

## generate: regenerate the GraphQL server code and the Go client from schema.graphqls
generate:
	$(GO) generate ./...

## check-generated: fail when regenerating changes or adds a file (run it on a clean tree, as CI does)
check-generated: generate
	@git diff --exit-code --stat || { echo "check-generated: the generated code is out of date: run make generate and commit the result" >&2; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all)" || { git status --short --untracked-files=all; echo "check-generated: make generate added files: commit them" >&2; exit 1; }

## playground-assets: refresh the playground's embedded GraphiQL from pinned npm packages (needs npm)
playground-assets:
	./scripts/playground-assets.sh

## lint: gofmt and go vet
lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

## migrate: apply pending migrations to DATABASE_URL (or the development database under .data/)
migrate:
	@if [ -z "$$DATABASE_URL" ]; then ./scripts/ensure-postgres.sh; fi
	$(GO) run . migrate up

## build: build the server binary into bin/server
build:
	$(GO) build -trimpath -o bin/server .

## bench: the benchmark (not part of test): throughput, latency, SQL, CPU and memory per case
## It runs against a seeded throwaway PostgreSQL; writes bench/results/latest.json.
## BENCH_ROUNDS (default 8), BENCH_DURATION (default 4s a server a round), BENCH_CONCURRENCY (default 32), BENCH_CASES
## (comma-separated case names, default all) and BENCH_DATA (seed, the default, or api:
## the benchmark's contacts written one createContact each) change the run.
bench:
	@./scripts/ensure-postgres.sh
	$(GO) run ./bench/driver

## profile: CPU and allocation profiles of the server under load, in bench/results/
## (the page_100 load, or the first of BENCH_CASES)
profile:
	@./scripts/ensure-postgres.sh
	$(GO) run ./bench/driver -profile

## bench-query: the query benchmark (not part of test) on 1,000,000 contacts
## seeded into a throwaway PostgreSQL. It prints the median time and EXPLAIN ANALYZE plan of each filter's
## first page and of a page 500,000 rows deep. BENCH_ARGS="-data DIR" keeps the seeded cluster.
bench-query:
	@./scripts/ensure-postgres.sh
	$(GO) run ./bench/query $(BENCH_ARGS)

## bench-webhooks: the webhook delivery benchmark (not part of test): 20,000 events to a local receiver,
## with 1 and then 2 server processes; prints deliveries/s, latency and duplicates, writes
## bench/results/webhooks.json. BENCH_ARGS="-processes 1 -events 5000" changes the run.
bench-webhooks:
	@./scripts/ensure-postgres.sh
	$(GO) run ./bench/webhooks $(BENCH_ARGS)

## attack: attack a release build as an outsider would (not part of test): memory, text, documents,
## idempotency, NUL bytes, authentication floods, exposure, tenancy; prints what held and what did not
attack:
	@./scripts/ensure-postgres.sh
	$(GO) run ./bench/attack $(ATTACK_ARGS)
