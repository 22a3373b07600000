# make run | make test | make bench -- each sets up .venv itself on a fresh machine.

PYTHON := .venv/bin/python
STAMP  := .venv/.installed

.PHONY: venv chromium run test bench

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

run: venv
	.venv/bin/streamlit run app.py

test: venv chromium
	$(PYTHON) -m pytest tests

bench: venv
	$(PYTHON) benchmarks/run_all.py

# N concurrent headless-chromium learners on loopback against one server; prints the latency and memory table.
.PHONY: loadtest
loadtest: venv chromium
	$(PYTHON) loadtest/run.py
