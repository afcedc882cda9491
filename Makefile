# Two commands for a fresh clone: `make book` builds the book, `make test` runs every test.
# Each creates .venv (if missing) and installs the pinned requirements first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
# nbgrader runs `alembic` by name: the venv's bin must come first on PATH
export PATH := $(BIN):$(PATH)

.PHONY: install book test release bench claims clean

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Notebooks run once, two at a time, into the build's execution cache; the build then renders them.
book: install
	$(BIN)/python -m courselib.notebooks
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is in _build/html/index.html"

test: install
	$(BIN)/python -m pytest -n 2 --dist loadscope -ra --durations=20

release: install
	$(BIN)/python -m autograder release

bench: install
	$(BIN)/python -m benchmarks.notebooks
	$(BIN)/python -m benchmarks.build
	$(BIN)/python -m benchmarks.grading

# every asserted claim of every book and solution notebook, as written and under 5 other seeds
claims: install
	$(BIN)/python -m benchmarks.claims --seeds 5

clean:
	rm -rf _build grading .pytest_cache
