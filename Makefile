# Customer accounts service. The whole set-up is `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
AWS_PORT ?=
STAGE ?= shop-b2c
export PORT AWS_PORT

.PHONY: help install run mail events test test-fast test-slow check lint types package bench browser-deps clean

help:
	@echo "make run      serve the API on 127.0.0.1:$(PORT) with moto on 127.0.0.1:$${AWS_PORT:-5000}"
	@echo "make mail     list the emails sent locally, newest first (ARGS=\"--to ADDRESS --json\")"
	@echo "make events   list the lifecycle events put on the local bus, newest first (ARGS=\"--type T --json\")"
	@echo "make test     every test tier (unit, integration, e2e, browser)"
	@echo "make check    ruff, import rules, mypy, tests (what CI runs)"
	@echo "make package STAGE=shop-b2c   deployable template + zip under dist/STAGE, cfn-lint"
	@echo "make bench    DynamoDB calls and latency per operation -> docs/PERFORMANCE.md"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip<26.3"
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python -m devtools.run_local

mail: install
	@$(BIN)/python -m devtools.mail $(ARGS)

events: install
	@$(BIN)/python -m devtools.events $(ARGS)

# Debian's Chromium for the browser tier (never a browser download).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test-fast: install
	$(BIN)/python -m pytest -m "unit or integration" -n 2 -q

test-slow: install browser-deps
	$(BIN)/python -m pytest -m "e2e or browser" -q

test: test-fast test-slow

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

types: install
	$(BIN)/mypy

check: lint types test

package: install
	$(BIN)/python -m devtools.package $(STAGE)

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
