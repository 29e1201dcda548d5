# Two commands on a fresh machine: `make run` and `make test`. See README.md.
# `make run PORT=8080 HOST=0.0.0.0` serves elsewhere; the printed address follows them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DEMO_PASSWORD ?= Demo@2024

.PHONY: run test install install-dev lint browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@$(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	@# The background worker (jobs, notification deliveries) runs beside the server and stops with it; so does the
	@# minute-by-minute check for jobs whose worker died (recover_jobs).
	$(BIN)/python manage.py db_worker --queue-name '*' --interval 1 & worker=$$!; \
	$(BIN)/python manage.py recover_jobs --loop 60 & recover=$$!; \
	trap 'kill $$worker $$recover 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The browser test needs Debian's Chromium; install it when missing and we may (root + apt).
browser:
	@if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; } && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Chromium and a Chinese font for the browser test..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

test: install-dev browser
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
