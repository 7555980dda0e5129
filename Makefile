# The two commands of the README: `make dev` runs CodeTime locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make dev` installs only what the local runtime needs; the test tiers add the CDK, moto and linters.
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: web dev test test-fake-now test-localstack test-unit lint format bench system-deps install clean build

# The offline API docs' assets (Swagger UI, ReDoc) pinned in package-lock.json, copied into the package; order-only
# prerequisites of both installs, so `make install`, `make dev`, `make test` and `make build` bring them up to date.
DOCS_ASSETS := shared/codetime/api/docs_site/vendor/.installed
$(DOCS_ASSETS): package-lock.json scripts/docs-assets.sh
	bash scripts/docs-assets.sh

$(STAMP): pyproject.toml | $(DOCS_ASSETS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,test]'
	@touch $(STAMP)

$(DEV_STAMP): pyproject.toml | $(DOCS_ASSETS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(DEV_STAMP)

install: $(STAMP)

## The web dashboard (web/: Vite) built into web/dist, which `codetime dev` serves at / (npm ci needs the npm registry
## once; later builds are offline and only when a source changed).
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npx vite build --logLevel warn
web: web/dist/index.html

## Run the whole system on 127.0.0.1:8000 (embedded PostgreSQL, local queue, in-process cache) with the dashboard at /.
dev: $(DEV_STAMP) web
	$(BIN)/codetime dev $(if $(PORT),--port $(PORT),)

## PostgreSQL 15 + TimescaleDB (built from Debian's source package) + redis-server, via apt when root.
system-deps:
	bash scripts/install-system-deps.sh

## Every test tier: unit, integration (real TimescaleDB, PostgreSQL, Redis), end-to-end (moto, legacy CLI), infra
## (CDK synth, cdk-nag, cfn-lint), then unit, integration and end-to-end again at a hard fake "now" (test-fake-now), then
## the AWS-facing end-to-end tests again against LocalStack.
test: $(STAMP) system-deps web
	$(BIN)/ruff check shared functions tests benchmarks infra_cdk
	CODETIME_REQUIRE_SERVERS=1 $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-fake-now PYTEST_ARGS="--deselect tests/e2e/test_openapi_fuzz.py"
	$(MAKE) --no-print-directory test-localstack

## The end-to-end tests that call AWS APIs, against LocalStack instead of moto: LocalStack (localstack-core, Python
## 3.12+, its own venv .venv-localstack) is started on a free port for the run and always stopped; or set
## AWS_ENDPOINT_URL to use a running one.
test-localstack: $(STAMP) system-deps
	@test -n "$$AWS_ENDPOINT_URL" || bash scripts/install-localstack.sh >/dev/null
	CODETIME_REQUIRE_SERVERS=1 $(BIN)/pytest -q -p no:cacheprovider --aws=localstack tests/e2e tests/infra/test_redis_auth.py $(LOCALSTACK_PYTEST_ARGS)

## The unit, integration, end-to-end and browser tiers at another "now": every process they start sees the real clock plus
## one fixed offset, so all of them agree and time keeps running (tests/fake_clock.py: time-machine in the Python
## processes, libfaketime in PostgreSQL). The default is a hard moment: 30 s before midnight UTC, which is also when
## Europe springs forward (01:00 UTC on 2027-03-28). E.g. make test-fake-now NOW='2027-11-07 06:59:30 UTC'.
NOW ?= 2027-03-27 23:59:30 UTC
## Wakapi's collection is left out: newman (Node) posts heartbeats at its own, real "now".
FAKE_NOW_TESTS ?= tests/unit tests/integration tests/e2e tests/browser --deselect tests/e2e/test_wakapi_newman.py
test-fake-now: $(STAMP) system-deps
	@offset=$$(( $$(date -d '$(NOW)' +%s) - $$(date +%s) )); \
	echo "test-fake-now: the tests run as if it were $$(date -u -d '$(NOW)' '+%F %T UTC')"; \
	CODETIME_TEST_CLOCK_OFFSET=$$offset CODETIME_REQUIRE_SERVERS=1 \
	  $(BIN)/pytest -q -p no:cacheprovider $(FAKE_NOW_TESTS) $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check shared functions tests benchmarks infra_cdk
	$(BIN)/ruff format --check shared functions tests benchmarks infra_cdk

format: $(STAMP)
	$(BIN)/ruff check --fix shared functions tests benchmarks infra_cdk
	$(BIN)/ruff format shared functions tests benchmarks infra_cdk

## Lambda assets for AWS without Docker (build/layer: arm64, Python 3.12; build/functions) and the CDK CLI
## pinned in package-lock.json (node_modules/.bin/cdk). Then: npx cdk deploy (README, "Deploy to AWS").
build: $(STAMP) web
	PYTHON=$(BIN)/python bash scripts/build-lambda.sh
	@test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund

## Writer throughput vs raw COPY, and read latency for a 500,000-heartbeat user.
bench: $(STAMP) system-deps
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .venv-localstack .pytest_cache .ruff_cache
