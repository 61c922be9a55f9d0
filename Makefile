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

lint: ## check the shipped flows and locales, and the Go code (gofmt, vet, staticcheck at the version go.mod pins)
	$(GO) run ./cmd/samvad lint flows locales
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) tool staticcheck $(PKGS)
	@bins=$$(git ls-files -z | xargs -0 grep -IL '' -- 2>/dev/null | while read -r f; do [ -s "$$f" ] && echo "$$f"; done); \
	  test -z "$$bins" || (echo "binary files are tracked (build outputs belong in bin/, which git ignores):"; echo "$$bins"; exit 1)

build:
	$(GO) build -o $(BIN) ./cmd/samvad
