# Gatehouse: `make run` serves the suite behind nginx on http://127.0.0.1:8080
# (PORT= to change); `make test` runs every test. Both install what is missing.
PORT ?= 8080
WORKERS ?= 2
VAR := $(CURDIR)/var
RELEASE_FLAGS := -c release --static-swift-stdlib
BIN = $(shell swift build $(RELEASE_FLAGS) --show-bin-path)
SWIFT := $(shell command -v swift || echo /opt/swift/usr/bin/swift)
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: run test deps deps-test build build-debug unit e2e bench clean

deps:
	@scripts/deps run

deps-test:
	@scripts/deps test

build: deps
	swift build $(RELEASE_FLAGS)

run: build
	@scripts/run-dev "$(VAR)" "$(PORT)" "$(BIN)" "$(WORKERS)"

unit: deps-test
	swift build --build-tests
	swift test --skip-build --disable-swift-testing

e2e: build deps-test
	GATEHOUSE_BIN="$(BIN)" python3 -m pytest -q -s -rfE tests

test: unit e2e

bench: build
	GATEHOUSE_BIN="$(BIN)" Benchmarks/run

clean:
	rm -rf .build var
