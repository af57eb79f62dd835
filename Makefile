# threecx-xapi: every target runs from a fresh clone with Python 3.11, make and a package index.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPEC ?=
XAPI_VERSION ?=
FROM ?=
ALLOW_DOWNGRADE ?=

.PHONY: setup pull generate verify check lint typecheck drift test test-fast demo bench bench-peer wheel docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Pull a new document (a PBX URL or a path): make pull FROM=https://pbx.example.com [ALLOW_DOWNGRADE=1]
pull: $(STAMP)
	$(PY) -m generator pull --from "$(FROM)" $(if $(XAPI_VERSION),--xapi-version "$(XAPI_VERSION)") $(if $(ALLOW_DOWNGRADE),--allow-downgrade)

# generated_client/ and the pages made from it: docs/operations.md and docs/xapi-changes.md.
generate: $(STAMP)
	$(PY) -m generator generate
	$(PY) -m generator verify
	$(PY) -m generator docs
	$(PY) -m generator changes

verify: $(STAMP)
	$(PY) -m generator verify

lint: $(STAMP)
	$(PY) -m ruff check generator overrides tests generated_client benchmarks
	$(PY) -m ruff format --check generator overrides tests benchmarks

typecheck: $(STAMP)
	$(PY) -m mypy --strict overrides generated_client generator

# The committed generated_client/ and docs must be exactly what `make generate` makes.
drift: $(STAMP)
	$(PY) -m generator drift
	$(PY) -m generator docs --check
	$(PY) -m generator changes --check

check: lint typecheck drift

# One worker per core; each test file stays on one worker, so a module's fixtures are built once.
test: check
	$(PY) -m pytest -n auto --dist loadfile

# The suite without the tests that generate whole documents (marked slow): a minute or two.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" -n auto --dist loadfile

demo: $(STAMP)
	$(PY) -m threecx_xapi.demo

bench: $(STAMP)
	$(PY) benchmarks/run.py

# The same figures plus the peer SDK (3cx-xapi-python-sdk), installed into its own venv at .venv/peer.
bench-peer: $(STAMP)
	$(PY) benchmarks/run.py --install-peer

# A wheel for one document: make wheel SPEC=../shared/specs/xapi-20.0.9-2026-01-22.yaml [XAPI_VERSION=20.0.9]
wheel: $(STAMP)
	$(PY) -m generator wheel $(if $(SPEC),--spec "$(SPEC)") $(if $(XAPI_VERSION),--xapi-version "$(XAPI_VERSION)") --dist dist

docs: $(STAMP)
	$(PY) -m generator docs
	$(PY) -m generator changes

clean:
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache
