# One command to set up and run the sample, one to run the tests (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3

.PHONY: setup demo test bench

$(VENV)/.installed: pyproject.toml
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) examples/make_sample_crawl.py
	$(VENV)/bin/omniweave run examples/sample.yaml

test: setup
	$(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/end_to_end.py
