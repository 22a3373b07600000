# make run | make test | make bench -- each sets up .venv itself on a fresh machine.

PYTHON := .venv/bin/python
STAMP  := .venv/.installed

.PHONY: venv chromium run test bench

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

run: venv
	.venv/bin/streamlit run app.py

test: venv chromium
	$(PYTHON) -m pytest tests

bench: venv
	$(PYTHON) benchmarks/run_all.py

# The server under a class: protocol-level learners (Locust, Streamlit's own websocket protocol, no browser) on
# loopback, levels 20 at a 3 s pace, 100 at 20 s, and both with 10 % pressing Train/Register at once; prints the
# table (about 20-25 minutes; starts and stops the server itself).
.PHONY: loadtest loadtest-browser
loadtest: venv
	$(PYTHON) loadtest/locust_run.py

# A small browser-side check: a few real headless-chromium learners (they share the server's cores).
loadtest-browser: venv chromium
	$(PYTHON) loadtest/run.py --users 1,5
