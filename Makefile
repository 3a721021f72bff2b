PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.stamp
VERSIONS := 3.10 3.11 3.12 3.13

.PHONY: venv demo test test-numpy-floor generated bench test-all-pythons clean fuzz

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $@

demo: venv
	$(VENV)/bin/python examples/baydin.py

test: venv
	$(VENV)/bin/python -m pytest -q

# The suite on the oldest NumPy pyproject.toml accepts (numpy>=NUMPY_FLOOR; a test
# checks the two agree), in .venv-floor, under FLOOR_PYTHON (a Python that NumPy
# NUMPY_FLOOR has wheels for; else PYTHON).
NUMPY_FLOOR := $(shell sed -n 's/.*"numpy>=\([0-9.]*\)".*/\1/p' pyproject.toml)
FLOOR_PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo $(PYTHON))
FLOOR_VENV := .venv-floor

test-numpy-floor:
	test -x $(FLOOR_VENV)/bin/python || $(FLOOR_PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install -q --upgrade pip
	$(FLOOR_VENV)/bin/python -m pip install -q -e '.[test]' 'numpy==$(NUMPY_FLOOR)'
	$(FLOOR_VENV)/bin/python -c 'import numpy; print("== NumPy", numpy.__version__)'
	$(FLOOR_VENV)/bin/python -m pytest -q

generated: venv
	$(VENV)/bin/python -m tools.generate

# The benchmark (bench/): installs the peers (the `bench` extra: autograd, JAX,
# a CPU build of PyTorch, matplotlib, numba) and writes bench/results.md and
# bench/results.png. A peer that does not install is reported as not installed.
# `make bench BENCH_ARGS=--quick` for a smoke run (a few minutes);
# `make bench BENCH_ARGS='--sections gradients,hessians'` for some sections only.
BENCH_STAMP := $(VENV)/.bench-stamp
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(VENV)/bin/python -m pip install -q -e '.[test,bench]' || { \
	  echo "== the bench extra did not install whole; installing its parts one by one"; \
	  for p in matplotlib autograd 'jax jaxlib' 'torch==2.13.0' numba; do \
	    $(VENV)/bin/python -m pip install -q $$p || echo "== $$p: not installed"; \
	  done; }
	touch $@

bench: $(BENCH_STAMP)
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

# Runs the tests under each supported Python found (pyenv first, then PATH);
# a version that is not installed is skipped. Fails if any run fails.
test-all-pythons:
	@root=$$(pyenv root 2>/dev/null || true); failed=""; \
	for v in $(VERSIONS); do \
	  py=""; \
	  if [ -n "$$root" ]; then \
	    for d in "$$root"/versions/$$v.*; do \
	      if [ -x "$$d/bin/python$$v" ]; then py="$$d/bin/python$$v"; fi; \
	    done; \
	  fi; \
	  if [ -z "$$py" ] && command -v python$$v >/dev/null 2>&1 \
	     && python$$v -c pass >/dev/null 2>&1; then py=python$$v; fi; \
	  if [ -z "$$py" ]; then echo "== Python $$v: not found, skipped"; continue; fi; \
	  echo "== Python $$v: $$py"; \
	  venv=.venv-$$v; \
	  if { [ -x $$venv/bin/python ] || "$$py" -m venv $$venv; } \
	     && $$venv/bin/python -m pip install -q --upgrade pip \
	     && $$venv/bin/python -m pip install -q -e '.[test]' \
	     && $$venv/bin/python -m pytest -q; then :; else failed="$$failed $$v"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "== failed on:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .venv-3.* $(FLOOR_VENV) build dist *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

# Generated-program fuzzing: thousands of random programs through every mode
# (make test runs a few hundred). FUZZ_SEED=<int> draws a different set.
FUZZ_EXAMPLES ?= 5000
fuzz: venv
	S2SAD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(if $(FUZZ_SEED),S2SAD_FUZZ_SEED=$(FUZZ_SEED)) \
	  $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py \
	  --hypothesis-show-statistics
