# make run | make test | make bench -- each sets up .venv itself on a fresh machine.

PYTHON := .venv/bin/python
STAMP  := .venv/.installed

.PHONY: venv chromium nginx run test bench class

venv: $(STAMP)

# Re-installs only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt
	test -x $(PYTHON) || python3 -m venv .venv
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -r requirements.txt
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

bench: venv
	$(PYTHON) benchmarks/run_all.py

# N concurrent headless-chromium learners on loopback against one server; prints the latency and memory table.
.PHONY: loadtest
loadtest: venv chromium
	$(PYTHON) loadtest/run.py
