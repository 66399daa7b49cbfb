# Two commands do everything: `make lab` (open the course) and `make test` (run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
SUBMISSIONS ?= submissions
BENCH_PROFILE ?= quick

.PHONY: help venv lab test system-packages lint format outputs student grade bench site test-site clean

help:
	@echo "make lab      set up .venv and open the course in JupyterLab"
	@echo "make test     set up .venv and run every test (unit tests, lint, all notebooks)"
	@echo "make outputs [NB=notebooks/02_cnn.ipynb] [PROFILE=quick]   re-run notebooks (full profile) and store outputs + bench rows"
	@echo "make student  build the student notebooks into build/student/"
	@echo "make grade SUBMISSIONS=dir [GRADE_FLAGS=...]   grade submissions (sandboxed) into build/grades.csv"
	@echo "make bench [PROFILE=quick|full|both]   time every notebook into benchmarks/ (default quick)"
	@echo "make site     build the course site (HTML, from the committed notebooks) into build/site/html/"
	@echo "make test-site  only the site and browser tests (part of make test; they need chromium)"

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is needed, found " + sys.version' \
		|| { echo "Install Python 3.10, 3.11 or 3.12 and run again (or: make PYTHON=python3.11 ...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name dl-course --display-name "Deep learning course (.venv)" >/dev/null
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# System packages the tests use: headless Chromium (site and JupyterLab tests) and bubblewrap (the
# grading sandbox). Installed from Debian's packages where we may (root, as on CI); otherwise the
# tests that need them say how to install them.
SYSTEM_PACKAGES := chromium chromium-driver bubblewrap
system-packages:
	@missing=""; for c in chromium chromedriver bwrap; do command -v $$c >/dev/null || missing=yes; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing $(SYSTEM_PACKAGES) from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else echo "note: install $(SYSTEM_PACKAGES) (e.g. sudo apt-get install $(SYSTEM_PACKAGES)) to run the browser and grading-sandbox tests"; fi; \
	fi

test: $(STAMP) system-packages
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	COURSE_PROFILE=quick $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# One execution gives both the stored notebook and its benchmark row (the table and outputs agree).
outputs: $(STAMP)
	$(BIN)/python -m course_utils.bench --store --profile $(or $(PROFILE),full) \
		$(if $(NB),--notebooks $(NB))

student: $(STAMP)
	$(BIN)/python -m course_utils.assignments student $(NOTEBOOKS) --out build/student

# Each submission runs in its own bubblewrap sandbox (README, "For instructors"); GRADE_FLAGS e.g.
# "--memory-mb 8192 --timeout 900", or "--unsafe" where the OS refuses namespaces.
grade: $(STAMP)
	$(BIN)/python -m course_utils.assignments grade $(SUBMISSIONS) --out build/grades.csv $(GRADE_FLAGS)

bench: $(STAMP)
	$(BIN)/python -m course_utils.bench --profile $(or $(PROFILE),$(BENCH_PROFILE))

site: $(STAMP)
	$(BIN)/python -m course_utils.site --out build/site

test-site: $(STAMP)
	COURSE_PROFILE=quick $(BIN)/python -m pytest -n 2 tests/test_site.py tests/test_browser.py

clean:
	rm -rf build .pytest_cache
