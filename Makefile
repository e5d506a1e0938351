# tlslite-tickets: every target does its own set-up on a fresh machine.
#
#   make demo    server + client on loopback: tickets, appdata, resumption
#   make demo-nginx  one OpenSSL-format ticket hopping between nginx and us
#   make test    the test suite on tlslite-ng 0.8.2 and 0.9.0b2, after lint and docs
#   make lint    ruff (ruff.toml) and mypy (mypy.ini)
#   make docs    the documentation, into build/docs/index.html
#   make coverage  branch coverage of the package, per module (not in make test)
#
# Each tlslite-ng version gets its own virtualenv; 0.8.2 uses the pure-Python
# ticket AEAD, 0.9.0b2 the `cryptography` one, so both paths are tested.

PYTHON ?= python3
PIP_FLAGS ?= -q --disable-pip-version-check
TLSLITE_VERSIONS := 0.8.2 0.9.0b2
EXTRAS_0.8.2 := test
EXTRAS_0.9.0b2 := test,fast
PYTEST_FLAGS ?= -q

.PHONY: demo test test-% test-pythons soak fuzz tools clean lint docs coverage
.PRECIOUS: .venv-%/.ready

.venv-%/.ready: setup.py
	rm -rf .venv-$*
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/pip install $(PIP_FLAGS) "tlslite-ng==$*" -e ".[$(EXTRAS_$*)]"
	touch $@

demo: .venv-0.8.2/.ready
	.venv-0.8.2/bin/python scripts/demo.py

.PHONY: demo-nginx
demo-nginx: .venv-0.8.2/.ready tools
	.venv-0.8.2/bin/python scripts/demo_nginx.py

# gnutls-cli and redis-server, from Debian, if missing (needs root)
tools:
	sh scripts/ensure_tools.sh

# OpenSSL's own server and client, the oracle of unit_tests/test_differential.py
ORACLE := build/oracle/ticket_oracle
$(ORACLE): unit_tests/oracle/ticket_oracle.c | tools
	mkdir -p $(dir $@)
	cc -O1 -o $@ unit_tests/oracle/ticket_oracle.c -lssl -lcrypto

test-%: .venv-%/.ready tools $(ORACLE)
	@echo "== tlslite-ng $* =="
	cd unit_tests && TLSLITE_TICKETS_REQUIRE_TOOLS=1 \
	    TLSLITE_TICKETS_REQUIRE_CRYPTOGRAPHY=$(if $(findstring fast,$(EXTRAS_$*)),1,0) \
	    ../.venv-$*/bin/python -m pytest $(PYTEST_FLAGS)

test: lint docs $(addprefix test-,$(TLSLITE_VERSIONS))

# The developers' tools, in a venv of their own: ruff, mypy, Sphinx.
.venv-dev/.ready: setup.py
	rm -rf .venv-dev
	$(PYTHON) -m venv .venv-dev
	.venv-dev/bin/pip install $(PIP_FLAGS) ruff mypy sphinx furo \
	    "tlslite-ng==0.9.0b2" -e ".[fast,redis]"
	touch $@

# ruff (ruff.toml) on everything, mypy (mypy.ini) on the package: seconds.
lint: .venv-dev/.ready
	.venv-dev/bin/ruff check .
	.venv-dev/bin/mypy

# The documentation (docs/*.rst) as HTML in build/docs; a warning fails it.
docs: .venv-dev/.ready
	.venv-dev/bin/sphinx-build -W --keep-going -q -b html docs build/docs
	@echo "docs: build/docs/index.html"

# Branch coverage of the package, per module, on both tlslite-ng versions
# combined; the command-line tools the tests run as subprocesses are measured
# too (.coveragerc). Not part of `make test`: it runs the suite once more on
# each version, slower under measurement.
COVERAGE_DIR := $(CURDIR)/build/coverage
coverage: $(addprefix .venv-,$(addsuffix /.ready,$(TLSLITE_VERSIONS))) tools
	rm -rf $(COVERAGE_DIR) && mkdir -p $(COVERAGE_DIR)
	@# a failing test still gets its report printed, then fails the target
	@failed=0; for v in $(TLSLITE_VERSIONS); do \
	  echo "== coverage: tlslite-ng $$v =="; \
	  (cd unit_tests && COVERAGE_FILE=$(COVERAGE_DIR)/.coverage \
	    TLSLITE_TICKETS_REQUIRE_TOOLS=1 ../.venv-$$v/bin/python -m coverage \
	    run --rcfile=../.coveragerc -m pytest $(PYTEST_FLAGS) -p no:cacheprovider) \
	    || failed=1; \
	done; \
	(cd $(COVERAGE_DIR) && $(CURDIR)/.venv-0.9.0b2/bin/python -m coverage \
	    combine --rcfile=$(CURDIR)/.coveragerc -q) && \
	COVERAGE_FILE=$(COVERAGE_DIR)/.coverage .venv-0.9.0b2/bin/python -m coverage \
	    report --rcfile=.coveragerc && \
	if [ $$failed = 1 ]; then echo "some tests failed: see above"; exit 1; fi

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
	    -m pytest -q test_fuzz.py test_fuzz_openssl.py -p no:cacheprovider
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
	.venv-bench/bin/pip install $(PIP_FLAGS) "tlslite-ng==0.9.0b2" -e ".[fast,redis]" matplotlib
	touch $@

bench: .venv-bench/.ready
	.venv-bench/bin/python scripts/bench.py

# A few iterations of every row, to check the benchmark still runs.
bench-smoke: .venv-bench/.ready
	.venv-bench/bin/python scripts/bench.py --smoke

# Mutation testing of the core modules (issue 12; not part of `make test`:
# about two hours). scripts/mutants.py works on a copy in build/mutants and
# keeps mutmut's cache there, so a rerun only retests what changed.
# MODULES="_keys _policy" limits it; `make mutants-report` prints the counts.
.PHONY: mutants mutants-report
MODULES ?=

.venv-mutants/.ready: setup.py
	rm -rf .venv-mutants
	$(PYTHON) -m venv .venv-mutants
	.venv-mutants/bin/pip install $(PIP_FLAGS) "mutmut==2.5.1" \
	    "tlslite-ng==0.9.0b2" "ecdsa>=0.18" "cryptography>=3.4" \
	    pytest coverage hypothesis "redis>=4.2"
	touch $@

mutants: .venv-mutants/.ready
	nice -n 10 .venv-mutants/bin/python scripts/mutants.py $(MODULES)

mutants-report: .venv-mutants/.ready
	.venv-mutants/bin/python scripts/mutants.py --report $(MODULES)
