# Samvad: the two commands a new machine needs are `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/samvad

.PHONY: run test bench lint build vet fmt fuzz

# run builds bin/samvad first, showing its progress, then starts the sample
# department APIs (examples/departments, on 127.0.0.1:8090) and the service
# with examples/sandbox.yaml, which points the shipped flows' connectors at
# them; the service's last line is the simulator's address. A first build
# compiles about 350 packages (minutes on a small machine; the few dozen
# that the progress tool itself needs are listed as they compile); later
# builds take a second. Ctrl-C stops both.
run: ## build, then start the sample department APIs and the service (embedded SQLite, shipped flows, simulator)
	@echo "building $(BIN) (the first build takes a few minutes; later ones seconds)"
	@$(GO) build -v -o bin/buildprogress ./internal/buildprogress
	@bin/buildprogress -buildvcs=auto -o $(BIN) ./cmd/samvad
	@bin/buildprogress -o bin/departments ./examples/departments
	@mkdir -p data
	@bin/departments --listen 127.0.0.1:8090 2>data/departments.log & depts=$$!; \
	  trap 'kill $$depts 2>/dev/null' EXIT INT TERM; \
	  echo "sample department APIs: http://127.0.0.1:8090 (log: data/departments.log)"; \
	  $(BIN) serve --config examples/sandbox.yaml

# test ends with one line of totals, and says which tests were skipped, why,
# and how to run them (Postgres tests read TEST_DATABASE_URL and skip
# without it, unless CI=true: then they fail).
test: ## every test, then a summary: passed, failed, skipped (and why)
	$(GO) vet $(PKGS)
	@$(GO) build -v -o bin/testsummary ./internal/testsummary
	@bin/testsummary -count=1 $(PKGS)

bench: ## the benchmarks whose figures docs/performance.md reports
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

lint: ## check the shipped flows and locales, and the Go code (gofmt, vet, staticcheck at the version go.mod pins)
	$(GO) run ./cmd/samvad lint flows locales
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) tool staticcheck $(PKGS)
	@deps=$$($(GO) list -deps ./cmd/samvad | grep -E '^testing$$|/internal/(servertest|testdb|llmfake)$$'); \
	  test -z "$$deps" || (echo "the samvad binary links test-only packages:"; echo "$$deps"; exit 1)
	@bins=$$(git ls-files -z | xargs -0 grep -IL '' -- 2>/dev/null | while read -r f; do [ -s "$$f" ] && echo "$$f"; done); \
	  test -z "$$bins" || (echo "binary files are tracked (build outputs belong in bin/, which git ignores):"; echo "$$bins"; exit 1)

build: ## bin/samvad, stamped with its commit (samvad version shows it)
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/samvad
