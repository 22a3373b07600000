# make run | make test | make bench -- each sets up .venv itself on a fresh machine.

PYTHON := .venv/bin/python
STAMP  := .venv/.installed

.PHONY: venv chromium nginx run test bench class

venv: $(STAMP)

# Re-installs only when requirements.txt or pyproject.toml is newer than the stamp. The project installs itself
# (editable: `core` from this folder), so the lessons' code runs from any folder with .venv/bin/python.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PYTHON) || python3 -m venv .venv
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -r requirements.txt
	$(PYTHON) -m pip install --no-deps --no-build-isolation -e .
	touch $@

# Debian's chromium for the browser tests (never `playwright install`).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# Debian's nginx, the balancer of `make class` and of its tests (started by them, never as a system service).
nginx:
	@if [ ! -x /usr/sbin/nginx ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx; \
	fi

run: venv
	.venv/bin/streamlit run app.py

test: venv chromium nginx
	$(PYTHON) -m pytest tests

# A class on this machine: REPLICAS course servers behind nginx on port CLASS_PORT (Ctrl-C stops it all).
REPLICAS ?= 2
CLASS_PORT ?= 8500
class: venv nginx
	$(PYTHON) deploy/classroom.py --replicas $(REPLICAS) --port $(CLASS_PORT)

# Every benchmark in one table (benchmarks/run_all.py); the browser's own (bench_browser.py) drives Debian's chromium.
bench: venv chromium
	$(PYTHON) benchmarks/run_all.py

# Hosting a class on several machines (README, "Deploying for a class"): one scheduler, workers on any machine
# (`make worker SCHEDULER=tcp://host:8786 WORKERS=3`), then each app replica with COURSE_DASK_SCHEDULER set.
# The scheduler and the workers import the app's code, so they run from this folder with its .venv.
SCHEDULER ?= tcp://127.0.0.1:8786
WORKERS ?= 1
.PHONY: scheduler worker
scheduler: venv
	DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0 PYTHONPATH=$(CURDIR) .venv/bin/dask scheduler --port 8786 --no-dashboard

worker: venv
	PYTHONPATH=$(CURDIR) .venv/bin/dask worker $(SCHEDULER) --nthreads 1 --nworkers $(WORKERS) --memory-limit 3GiB \
		--no-dashboard

# The server under a class: protocol-level learners (Locust, Streamlit's own websocket protocol, no browser) on
# loopback, levels 20 at a 3 s pace, 100 at 20 s, and both with 10 % pressing Train/Register at once; prints the
# table (about 20-25 minutes; starts and stops the server itself).
.PHONY: loadtest loadtest-browser
loadtest: venv
	$(PYTHON) loadtest/locust_run.py

# A small browser-side check: a few real headless-chromium learners (they share the server's cores).
loadtest-browser: venv chromium
	$(PYTHON) loadtest/run.py --users 1,5 --reference
