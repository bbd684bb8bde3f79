# Gatehouse: `make run` serves the suite behind nginx on http://127.0.0.1:8080
# (PORT= to change); `make test` runs every test. Both install what is missing.
PORT ?= 8080
# Workers per responder: two per CPU measured best (Benchmarks/RESULTS.md).
WORKERS ?= 4
SERVER ?= nginx
VAR := $(CURDIR)/var
# Every import must be a declared dependency: the module graph stays what
# Package.swift says (and README's layer map).
IMPORT_CHECK := --explicit-target-dependency-import-check error
# What a CGI exec pays before main (docs/performance.md): no $ORIGIN in the
# run path (every library is the system's, and the loader would look for
# each in four directories beside the program first), and no export of
# the program's 3,000 Swift symbols to the dynamic linker, which nothing
# looks up (the runtime finds its metadata through its own sections).
RELEASE_FLAGS := -c release --static-swift-stdlib --disable-local-rpath -Xlinker --no-export-dynamic $(IMPORT_CHECK)
BIN = $(shell swift build $(RELEASE_FLAGS) --show-bin-path)
SWIFT := $(shell command -v swift || echo /opt/swift/usr/bin/swift)
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: run test deps deps-test build build-debug unit e2e fuzz fuzz-smoke bench soak clean install uninstall screenshots

deps:
	@scripts/deps run

deps-test:
	@scripts/deps test

# One executable, `gatehouse`, is every responder: it is hard-linked under
# each responder's name (token, me, …), the name it is started under.
build: deps
	swift build $(RELEASE_FLAGS)
	@cd "$(BIN)" && for name in $$(./gatehouse --names); do ln -f gatehouse "$$name"; done

# SERVER=nginx (the default), lighttpd, lighttpd-cgi, apache-cgi, apache-fcgid or apache-authnz.
run: build
	@SERVER="$(SERVER)" scripts/run-dev "$(VAR)" "$(PORT)" "$(BIN)" "$(WORKERS)"

# The store tests run against both back ends: the flat files and a
# throwaway PostgreSQL cluster (scripts/with-postgres).
unit: deps-test
	swift build --build-tests $(IMPORT_CHECK)
	scripts/with-postgres swift test --skip-build --disable-swift-testing

# Everything once on the flat-file store (in two runs) and, side by side
# with them, the end-to-end and concurrency suites again with every stack
# on PostgreSQL (scripts/test-e2e).
e2e: build deps-test
	scripts/test-e2e "$(BIN)"

# Every parser that sees outside input under libFuzzer with AddressSanitizer
# (Fuzz/, scripts/fuzz): FUZZ_SECONDS per target; `make test` runs each briefly.
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz $(FUZZ_SECONDS)

fuzz-smoke: deps
	scripts/fuzz 5

test: unit fuzz-smoke e2e

# The browser journeys photograph every page into var/screenshots; the
# README shows these from docs/screenshots.
SHOTS := en/sign-in-desktop-light en/home-desktop-dark en/code-sent-phone-light en/change-password-error-phone-dark \
         de/sign-in-phone-light de/code-wait-phone-dark
screenshots: build deps-test
	GATEHOUSE_BIN="$(BIN)" python3 -m pytest -q tests/browser/test_journeys.py
	mkdir -p docs/screenshots
	for s in $(SHOTS); do cp var/screenshots/$$s.png docs/screenshots/$$(echo $$s | tr / -).png; done

# PREFIX (default /usr/local) and DESTDIR, as usual.
install: build
	scripts/install install "$(BIN)"

uninstall:
	scripts/install uninstall

# SOAK_SECONDS (600) at saturation on a mix of endpoints; not in `make test`.
soak: build
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	GATEHOUSE_BIN="$(BIN)" python3 Benchmarks/soak.py

bench: build
	GATEHOUSE_BIN="$(BIN)" Benchmarks/run

clean:
	rm -rf .build var Fuzz/.build
