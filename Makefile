# Zairyu Guide. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install-stamp

.PHONY: install compile run chat test lint typecheck pytest browser-deps pg-deps screenshots bench catalogs golden clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install: $(STAMP) compile  ## create .venv, install the project and dev tools, compile catalogs

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3  # pinned build tool (issue 12)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,aiogram,postgres]'
	touch $(STAMP)

compile: $(STAMP)  ## compile locales/*/LC_MESSAGES/messages.po to .mo
	$(BIN)/python tools/catalogs.py compile
	@for po in locales/*/LC_MESSAGES/messages.po; do test -f "$${po%.po}.mo" || { echo "not compiled: $$po"; exit 1; }; done

run: install  ## serve HTTP on 127.0.0.1:8080, and Telegram when TELEGRAM_BOT_TOKEN is set
	$(BIN)/python -m bot serve

chat: install  ## chat with the bot in this terminal
	$(BIN)/python -m bot chat

test: install lint typecheck pytest  ## the whole suite: ruff, mypy --strict, pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

browser-deps:  ## Debian's Chromium, Noto fonts for every shipped script, axe-core (apt, npm)
	bash tools/browser_deps.sh

pg-deps:  ## Debian's postgresql package (the tests start a throwaway cluster of their own)
	bash tools/pg_deps.sh

screenshots: install browser-deps  ## rewrite the README's pictures: docs/verdict-{en,ja}-{phone,desktop}.png, docs/console-*.png
	$(BIN)/python tools/screenshots.py

pytest: install browser-deps pg-deps
	$(BIN)/python -m pytest

bench: install pg-deps  ## print engine, FAQ, Telegram and web API figures (throughput, latency, accuracy, memory)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_faq.py
	$(BIN)/python bench/bench_scrub.py
	$(BIN)/python bench/bench_telegram.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_abuse.py
	$(BIN)/python bench/bench_scale.py

catalogs: $(STAMP)  ## re-extract msgids, update every .po, fill en, compile
	$(BIN)/python tools/catalogs.py update
	$(MAKE) compile

golden: install  ## rewrite tests/golden/*.out.jsonl from the current engine (review the diff!)
	$(BIN)/python tools/golden.py

clean:  ## remove the venv, caches and compiled catalogs (keeps var/ data)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find locales -name '*.mo' -delete
