# tlslite-tickets: every target does its own set-up on a fresh machine.
#
#   make demo    server + client on loopback: tickets, appdata, resumption
#   make test    the test suite on tlslite-ng 0.8.2 and 0.9.0b2
#
# Each tlslite-ng version gets its own virtualenv; 0.8.2 uses the pure-Python
# ticket AEAD, 0.9.0b2 the `cryptography` one, so both paths are tested.

PYTHON ?= python3
PIP_FLAGS ?= -q --disable-pip-version-check
TLSLITE_VERSIONS := 0.8.2 0.9.0b2
EXTRAS_0.8.2 := test
EXTRAS_0.9.0b2 := test,fast
PYTEST_FLAGS ?= -q

.PHONY: demo test test-% test-pythons soak fuzz tools clean
.PRECIOUS: .venv-%/.ready

.venv-%/.ready: setup.py
	rm -rf .venv-$*
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/pip install $(PIP_FLAGS) "tlslite-ng==$*" -e ".[$(EXTRAS_$*)]"
	touch $@

demo: .venv-0.8.2/.ready
	.venv-0.8.2/bin/python scripts/demo.py

# gnutls-cli and redis-server, from Debian, if missing (needs root)
tools:
	sh scripts/ensure_tools.sh

test-%: .venv-%/.ready tools
	@echo "== tlslite-ng $* =="
	cd unit_tests && TLSLITE_TICKETS_REQUIRE_TOOLS=1 \
	    TLSLITE_TICKETS_REQUIRE_CRYPTOGRAPHY=$(if $(findstring fast,$(EXTRAS_$*)),1,0) \
	    ../.venv-$*/bin/python -m pytest $(PYTEST_FLAGS)

test: $(addprefix test-,$(TLSLITE_VERSIONS))

# Every Python from 3.9 to 3.13 that pyenv has, on both tlslite-ng versions
# (slower; not part of `make test`).
PYENV_PYTHONS := $(wildcard $(foreach v,3.9 3.10 3.11 3.12 3.13,$(HOME)/.pyenv/versions/$(v).*/bin/python))
test-pythons:
	@set -e; for py in $(PYENV_PYTHONS); do for tl in $(TLSLITE_VERSIONS); do \
	  dir=.venv-py-$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])')-$$tl; \
	  [ -x $$dir/bin/pytest ] || { $$py -m venv $$dir && \
	    $$dir/bin/pip install $(PIP_FLAGS) "tlslite-ng==$$tl" -e ".[test]"; }; \
	  echo "== $$($$py --version) / tlslite-ng $$tl =="; \
	  (cd unit_tests && ../$$dir/bin/python -m pytest $(PYTEST_FLAGS)); \
	done; done

# The long runs of issue 6: a soak with rotation, and deep fuzzing.
soak: .venv-0.9.0b2/.ready
	.venv-0.9.0b2/bin/python scripts/soak.py --clients 8 --resumptions 2000 \
	    --rotation 3 --pause-every 100 --max-seconds 600

fuzz: .venv-0.9.0b2/.ready
	cd unit_tests && HYPOTHESIS_PROFILE=deep ../.venv-0.9.0b2/bin/python \
	    -m pytest -q test_fuzz.py -p no:cacheprovider
	-.venv-0.9.0b2/bin/pip install $(PIP_FLAGS) atheris && \
	    .venv-0.9.0b2/bin/python scripts/fuzz_atheris.py -runs=200000

clean:
	rm -rf .venv-* build *.egg-info unit_tests/.pytest_cache

# Benchmarks (scripts/bench.py): ours vs stock tlslite-ng vs openssl s_server,
# written to bench-results/bench.{json,png}. A venv of its own, so that
# matplotlib (for the PNG) never becomes a dependency of the package or tests.
.PHONY: bench bench-smoke

.venv-bench/.ready: setup.py
	rm -rf .venv-bench
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install $(PIP_FLAGS) "tlslite-ng==0.9.0b2" -e ".[fast]" matplotlib
	touch $@

bench: .venv-bench/.ready
	.venv-bench/bin/python scripts/bench.py

# A few iterations of every row, to check the benchmark still runs.
bench-smoke: .venv-bench/.ready
	.venv-bench/bin/python scripts/bench.py --smoke

# Mutation testing of the core modules (issue 12; not part of `make test`:
# it takes hours). scripts/mutants.py works on a copy in build/mutants and
# keeps mutmut's cache there, so a rerun only retests what changed.
# MODULES="_keys _policy" limits it; `make mutants-report` prints the counts.
.PHONY: mutants mutants-report
MODULES ?=

.venv-mutants/.ready: setup.py
	rm -rf .venv-mutants
	$(PYTHON) -m venv .venv-mutants
	.venv-mutants/bin/pip install $(PIP_FLAGS) "mutmut==2.5.1" \
	    "tlslite-ng==0.9.0b2" "ecdsa>=0.18" "cryptography>=3.4" \
	    pytest hypothesis "redis>=4.2"
	touch $@

mutants: .venv-mutants/.ready
	nice -n 10 .venv-mutants/bin/python scripts/mutants.py $(MODULES)

mutants-report: .venv-mutants/.ready
	.venv-mutants/bin/python scripts/mutants.py --report $(MODULES)
