# Two commands on a fresh machine: `make serve` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/policy-search
STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
#: What `make lint` checks (ruff and mypy; mypy's file list is in pyproject.toml).
LINT_PATHS := search indexer web
#: 1 adds `ruff format --check` to `make lint` (0 skips it, e.g. while a change is half done).
RUFF_FORMAT_CHECK ?= 1

.PHONY: serve test lint index bench clean opensearch opensearch-stop

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(VENV)/.installed-bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# Builds the index from corpus/ on first run, brings it up to date after that, then serves.
serve: $(STAMP)
	$(CLI) update
	$(CLI) serve --host $(HOST) --port $(PORT)

index: $(STAMP)
	$(CLI) rebuild

# Static checks first: a lint finding fails `make test` (and so CI) before the tests run.
test: lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
ifeq ($(RUFF_FORMAT_CHECK),1)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
endif
	$(VENV)/bin/mypy

# The scale section compares Whoosh with OpenSearch, so the local cluster is started first (or
# reused when it is up); it keeps running afterwards (`make opensearch-stop`).
bench: $(VENV)/.installed-bench opensearch
	$(PY) -m benchmarks.run_all

clean:
	rm -rf var .pytest_cache

# A local two-node OpenSearch 2.19 cluster from Maven artifacts (Java 17 and Maven), HTTP on 9200
# and 9201, data and logs under var/opensearch/; see docs/scale-out.md. Ports and the directory
# follow OPENSEARCH_HTTP_PORT, OPENSEARCH_TRANSPORT_PORT and OPENSEARCH_VAR_DIR.
opensearch:
	python3 opensearch/cluster.py start

opensearch-stop:
	python3 opensearch/cluster.py stop
