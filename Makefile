# One command to set up and run the sample, one to run the tests (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3
# the .py files of the compiled modules (the one list is setup.py's COMPILED)
COMPILED_SOURCES := $(shell $(SYSTEM_PYTHON) -c 'import runpy; s = runpy.run_path("setup.py", run_name="setup"); print(*(s["source_file"](m).relative_to(s["ROOT"]) for m in s["COMPILED"]))')

.PHONY: setup compiled demo test bench

$(VENV)/.installed: pyproject.toml
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all]'
	touch $@

# an edited module is compiled again (cythonize and build_ext redo only what changed)
$(VENV)/.compiled: $(VENV)/.installed setup.py $(COMPILED_SOURCES)
	$(PY) setup.py -q build_ext --inplace
	touch $@

compiled: $(VENV)/.compiled

setup: compiled

demo: setup
	$(PY) examples/make_sample_crawl.py
	$(VENV)/bin/omniweave run examples/sample.yaml

test: setup
	$(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/end_to_end.py
