# Samvad: the two commands a new machine needs are `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/samvad

.PHONY: run test bench lint build vet fmt fuzz

run: ## start the service on the embedded SQLite store with the shipped flows and the simulator
	$(GO) run ./cmd/samvad serve

test: ## every test (Postgres tests read TEST_DATABASE_URL and skip without it, unless CI=true)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

bench: ## the benchmarks whose figures docs/performance.md reports
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

lint: ## check the shipped flows and locales, and the Go code
	$(GO) run ./cmd/samvad lint flows locales
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

build:
	$(GO) build -o $(BIN) ./cmd/samvad
