# Two commands do all the set-up on a fresh clone (see README):
#   make serve   - install what is missing, then run `wiretwin serve`
#   make release-check - before tagging a release: build, check and smoke-test dist/
#   make test    - install everything (Python and npm packages), then lint, type-check,
#                  run the whole test suite and build the docs strictly
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.wiretwin-installed
# `make serve` needs wiretwin alone (and its voice extra, for bots that join voice), not
# the test toolchain: a venv of its own, about twenty packages.
SERVE_VENV := .venv-serve
SERVE_STAMP := $(SERVE_VENV)/.wiretwin-installed
JS_DIR := tests/e2e/pusher/js
JS_STAMP := $(JS_DIR)/node_modules/.wiretwin-installed
DISCORD_JS_DIR := tests/e2e/discord/js
DISCORD_JS_STAMP := $(DISCORD_JS_DIR)/node_modules/.wiretwin-installed
BROWSER_DIR := tests/seeds/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.wiretwin-installed
# The Pusher conformance matrix's JavaScript clients (tests/matrix/pusher/js): pusher-js,
# laravel-echo, the Node server SDK (npm pusher) and playwright-core.
MATRIX_JS_DIR := tests/matrix/pusher/js
MATRIX_JS_STAMP := $(MATRIX_JS_DIR)/node_modules/.wiretwin-installed
# The Discord matrix's JavaScript libraries (tests/matrix/discord/js): discord.js, Eris,
# Oceanic.js and discordeno.
DISCORD_MATRIX_JS_DIR := tests/matrix/discord/js
DISCORD_MATRIX_JS_STAMP := $(DISCORD_MATRIX_JS_DIR)/node_modules/.wiretwin-installed
# Its Go bot (discordgo, from the Go module proxy; Go's module and build caches are outside
# the clone), built to build/matrix-bin/discordgo-bot.
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
DISCORDGO_DIR := tests/matrix/discord/go
DISCORDGO_BOT := build/matrix-bin/discordgo-bot
# Its Rust bot (twilight from crates.io), built with its target directory outside the clone
# (a rebuild is quick) and copied to build/matrix-bin/twilight-bot.
CARGO ?= $(shell command -v cargo 2>/dev/null || echo $(HOME)/.cargo/bin/cargo)
TWILIGHT_DIR := tests/matrix/discord/rust
TWILIGHT_BOT := build/matrix-bin/twilight-bot
RUST_TARGET ?= $(HOME)/.cache/wiretwin-matrix/rust-target
# Its Java bot (JDA from Maven Central; Maven's cache in ~/.m2): classes in target/classes,
# the library's jars in target/dependency.
DISCORD_JAVA_DIR := tests/matrix/discord/java
DISCORD_JAVA_STAMP := $(DISCORD_JAVA_DIR)/target/.wiretwin-installed
# The Pusher matrix's Java client (pusher-java-client from Maven Central, Maven's cache in
# ~/.m2): the driver's classes in target/classes, the library's jars in target/dependency.
MATRIX_JAVA_DIR := tests/matrix/pusher/java
MATRIX_JAVA_STAMP := $(MATRIX_JAVA_DIR)/target/.wiretwin-installed
# The Lavalink conformance matrix's Node clients (tests/matrix/lavalink/js): shoukaku,
# lavalink-client, moonlink.js and magmastream.
LAVALINK_MATRIX_DIR := tests/matrix/lavalink/js
LAVALINK_MATRIX_STAMP := $(LAVALINK_MATRIX_DIR)/node_modules/.wiretwin-installed
# Its Java client (dev.arbjerg:lavalink-client from Maven Central), built as the Pusher
# matrix's Java libraries are.
LAVALINK_MATRIX_JAVA_DIR := tests/matrix/lavalink/java
LAVALINK_MATRIX_JAVA_STAMP := $(LAVALINK_MATRIX_JAVA_DIR)/target/.wiretwin-installed
# The web console's browser tests (playwright-core, and pusher-js for the page it talks to).
CONSOLE_DIR := tests/console
CONSOLE_STAMP := $(CONSOLE_DIR)/node_modules/.wiretwin-installed
# The wiretwin npm package (its vitest tests drive pusher-js and discord.js through it; its
# Playwright tests drive a pusher-js page in $(CHROMIUM) with @playwright/test, which
# downloads no browser) and the React dashboard example (the Pusher testing guide's
# component tests); tests/js runs both.
JS_PKG_DIR := js/wiretwin
JS_PKG_STAMP := $(JS_PKG_DIR)/node_modules/.wiretwin-installed
DASHBOARD_DIR := js/examples/pusher-dashboard
DASHBOARD_STAMP := $(DASHBOARD_DIR)/node_modules/.wiretwin-installed
# discord.py's forks get a venv each: nextcord and py-cord install a `discord` package of
# their own, and mafic refuses to run beside two Discord libraries (disnake).
FORKS := nextcord==2.6.0 py-cord==2.8.1 disnake==2.12.2
# Forks whose voice plays through the Discord twin get their `voice` extra (PyNaCl and a
# DAVE library: py-cord's davey, disnake's dave-py); tests/e2e/discord/test_fork_voice.py.
# nextcord 2.6 has no mode the twin (or Discord) still offers: no voice for it.
VOICE_FORKS := py-cord disnake
# What a user's project has beside a fork: tests/e2e/discord/test_env_projects.py runs
# pytest in each fork's venv with wiretwin's discord_env fixture.
FORK_TOOLS := 'pytest>=8' 'pytest-asyncio>=0.23' 'pytest-xdist>=3.5'
FORK_STAMPS := $(foreach f,$(FORKS),.venv-$(firstword $(subst ==, ,$(f)))/.wiretwin-installed)
# interactions.py, for the Discord matrix (tests/matrix/discord): a venv of its own with the
# library alone (its scenario bot talks to the twin over the network, not through wiretwin).
INTERACTIONS := discord-py-interactions==5.16.0
INTERACTIONS_STAMP := .venv-interactions/.wiretwin-installed
# Debian's Chromium, for the browser tests (playwright-core drives it), and libopus0, which
# the voice tests encode (discord.py) and decode (the twin) with.
CHROMIUM := /usr/bin/chromium
# Debian's Redis, for the Pusher twin scaled out over Redis (tests start private servers
# of their own on free ports; nothing needs to be running).
REDIS := /usr/bin/redis-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?= -n auto

.PHONY: serve test lint typecheck docs pytest install clean release-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(SERVE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[voice]'
	touch $@

$(JS_STAMP): $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DISCORD_JS_STAMP): $(DISCORD_JS_DIR)/package-lock.json
	cd $(DISCORD_JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BROWSER_STAMP): $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MATRIX_JS_STAMP): $(MATRIX_JS_DIR)/package-lock.json
	cd $(MATRIX_JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DISCORD_MATRIX_JS_STAMP): $(DISCORD_MATRIX_JS_DIR)/package-lock.json
	cd $(DISCORD_MATRIX_JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DISCORDGO_BOT): $(DISCORDGO_DIR)/go.mod $(DISCORDGO_DIR)/go.sum $(DISCORDGO_DIR)/main.go
	mkdir -p $(dir $@)
	cd $(DISCORDGO_DIR) && $(GO) build -o $(CURDIR)/$(DISCORDGO_BOT) .

$(TWILIGHT_BOT): $(TWILIGHT_DIR)/Cargo.toml $(TWILIGHT_DIR)/Cargo.lock $(TWILIGHT_DIR)/src/main.rs
	cd $(TWILIGHT_DIR) && CARGO_TARGET_DIR=$(RUST_TARGET) $(CARGO) build --release --locked
	mkdir -p $(dir $@)
	cp $(RUST_TARGET)/release/twilight-bot $@

$(DISCORD_JAVA_STAMP): $(DISCORD_JAVA_DIR)/pom.xml $(wildcard $(DISCORD_JAVA_DIR)/src/main/java/wiretwin/matrix/discord/*.java)
	cd $(DISCORD_JAVA_DIR) && mvn -q -B package dependency:copy-dependencies
	touch $@

$(MATRIX_JAVA_STAMP): $(MATRIX_JAVA_DIR)/pom.xml $(wildcard $(MATRIX_JAVA_DIR)/src/main/java/wiretwin/matrix/*.java)
	cd $(MATRIX_JAVA_DIR) && mvn -q -B package dependency:copy-dependencies
	touch $@

$(LAVALINK_MATRIX_STAMP): $(LAVALINK_MATRIX_DIR)/package-lock.json
	cd $(LAVALINK_MATRIX_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LAVALINK_MATRIX_JAVA_STAMP): $(LAVALINK_MATRIX_JAVA_DIR)/pom.xml \
		$(wildcard $(LAVALINK_MATRIX_JAVA_DIR)/src/main/java/wiretwin/matrix/*.java)
	cd $(LAVALINK_MATRIX_JAVA_DIR) && mvn -q -B package dependency:copy-dependencies
	touch $@

$(CONSOLE_STAMP): $(CONSOLE_DIR)/package-lock.json
	cd $(CONSOLE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(JS_PKG_STAMP): $(JS_PKG_DIR)/package-lock.json
	cd $(JS_PKG_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DASHBOARD_STAMP): $(DASHBOARD_DIR)/package-lock.json $(JS_PKG_STAMP)
	cd $(DASHBOARD_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(INTERACTIONS_STAMP): Makefile
	$(PYTHON) -m venv .venv-interactions
	.venv-interactions/bin/python -m pip install --quiet --disable-pip-version-check \
		$(INTERACTIONS)
	touch $@

.venv-%/.wiretwin-installed: pyproject.toml Makefile
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check -e '.[voice]' \
		$(if $(filter $*,$(VOICE_FORKS)),$(subst $*==,'$*[voice]'==,$(filter $*==%,$(FORKS))),$(filter $*==%,$(FORKS))) \
		$(FORK_TOOLS)
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium libopus0 >/dev/null

$(REDIS):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
		redis-server >/dev/null
	# Debian's package may start a system-wide server; the tests need none.
	-$(SUDO) service redis-server stop >/dev/null 2>&1

install: $(STAMP) $(JS_STAMP) $(DISCORD_JS_STAMP) $(BROWSER_STAMP) $(CONSOLE_STAMP) \
	$(JS_PKG_STAMP) $(DASHBOARD_STAMP) $(MATRIX_JS_STAMP) $(MATRIX_JAVA_STAMP) \
	$(LAVALINK_MATRIX_STAMP) $(LAVALINK_MATRIX_JAVA_STAMP) $(DISCORD_MATRIX_JS_STAMP) \
	$(INTERACTIONS_STAMP) $(DISCORDGO_BOT) $(TWILIGHT_BOT) $(DISCORD_JAVA_STAMP) \
	$(CHROMIUM) \
	$(REDIS) $(FORK_STAMPS)

serve: $(SERVE_STAMP)
	$(SERVE_VENV)/bin/wiretwin serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# The documentation site, built strictly (a broken link or reference fails the build).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir $(VENV)/site

# Before tagging a release (docs/releasing.md): the version and the CHANGELOG agree, the
# sdist and wheel build into dist/ with valid metadata and their package data, and the
# wheel installs and runs in a clean virtualenv.
release-check: $(STAMP)
	$(BIN)/python -m scripts.release_check

# The Pusher suites run twice: once more with every twin in a Redis cluster of its own
# (tests/e2e/pusher/conftest.py), where clients must see no difference.
pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)
	WIRETWIN_TEST_PUSHER_CLUSTER=1 $(BIN)/pytest $(PYTEST_ARGS) tests/e2e/pusher

# pytest before docs: the web console's browser tests take the screenshots the docs show
# (build/screenshots/; without them the docs build shows placeholders).
test: install lint typecheck pytest docs

clean:
	rm -rf $(VENV) $(SERVE_VENV) .venv-nextcord .venv-py-cord .venv-disnake $(JS_DIR)/node_modules $(DISCORD_JS_DIR)/node_modules \
		$(BROWSER_DIR)/node_modules $(CONSOLE_DIR)/node_modules $(JS_PKG_DIR)/node_modules \
		$(DASHBOARD_DIR)/node_modules $(MATRIX_JS_DIR)/node_modules $(MATRIX_JAVA_DIR)/target \
		$(LAVALINK_MATRIX_DIR)/node_modules $(LAVALINK_MATRIX_JAVA_DIR)/target \
		$(DISCORD_MATRIX_JS_DIR)/node_modules $(DISCORD_JAVA_DIR)/target .venv-interactions \
		$(DISCORDGO_BOT) $(TWILIGHT_BOT)
