# Atelier: `make run` starts the app with a demo studio; `make test` runs the suite,
# `make test-fast` all but the browser and slow tests, `make lint` ruff;
# `make gpu-worker` runs the "gpu" cluster's worker with the diffusion stager's stack installed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
# The suite is spread over the machine's cores by pytest-xdist, a test file per worker at a time
# (module fixtures such as the seeded demo studio are built once per file); PYTEST_WORKERS=0 runs
# it in one process (for pdb, say).
PYTEST_WORKERS ?= auto
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),-p no:xdist,-n $(PYTEST_WORKERS) --dist loadfile)

.PHONY: run test test-fast test-postgres worker gpu-worker check lint clean-db browser-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Reinstall only when a requirements file changed, so a second `make run` starts in seconds.
$(VENV)/.installed: requirements.txt $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

# torch, diffusers and transformers (about 1 GB) only where the diffusion stager runs or is tested.
$(VENV)/.installed-diffusion: requirements.txt requirements-diffusion.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-diffusion.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-diffusion.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py runstudio

worker: $(VENV)/.installed
	$(PY) manage.py runworker

# A GPU machine's worker: takes only the staging tasks (ATELIER_STAGING_CLUSTER=gpu on every machine).
gpu-worker: $(VENV)/.installed-diffusion
	Q_CLUSTER_NAME=gpu ATELIER_STAGER=diffusion $(PY) manage.py runworker

# The whole suite, browser tests included (installs Debian's chromium if missing).
test: $(VENV)/.installed-dev browser-deps
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# Minutes instead of the whole suite: no browser tests, no slow seeds (pytest.ini's markers).
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest $(XDIST) -m "not browser and not slow" $(PYTEST_ARGS)

browser-deps:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium); }

test-postgres: $(VENV)/.installed-dev browser-deps
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

check: $(VENV)/.installed-dev
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean-db:
	rm -rf var/
