# postwatch: `make demo` runs the embedded default, `make test` runs every test.
# Both install what is missing first (Debian packages), so a fresh machine needs nothing by hand.

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libcurl4-openssl-dev python3-aiosmtpd libsqlite3-dev openssl sqlite3

.PHONY: deps build demo test soak bench release clean deploy-check

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

demo: deps
	$(SWIFT) build --product postwatch
	$$($(SWIFT) build --show-bin-path)/postwatch demo

test: deps
	$(SWIFT) build --build-tests
	# One test at a time: on 2 cores, parallel suites starve each other's cooperative threads
	# and real-peer tests (timeouts, Retry-After waits) then fail for reasons that are not bugs.
	$(SWIFT) test --skip-build --no-parallel

# The model test (Tests/EndToEndTests/ModelTests.swift) on long histories: SOAK_STEPS steps
# for each seed of SOAK_SEEDS (three random ones unless given). Each run prints its seed and
# figures; replay one with POSTWATCH_MODEL_SEED=N POSTWATCH_MODEL_STEPS=N.
SOAK_STEPS ?= 15000
SOAK_SEEDS ?= $(shell for i in 1 2 3; do od -An -N4 -tu4 /dev/urandom | tr -d ' '; done)

soak: deps
	$(SWIFT) build --build-tests
	@for seed in $(SOAK_SEEDS); do \
		echo "soak: seed $$seed, $(SOAK_STEPS) steps"; \
		POSTWATCH_MODEL_SEED=$$seed POSTWATCH_MODEL_STEPS=$(SOAK_STEPS) \
			$(SWIFT) test --skip-build --no-parallel --filter ModelTests || exit 1; \
	done

release: deps
	$(SWIFT) build -c release --product postwatch

bench: deps
	$(SWIFT) build -c release --product postwatch-bench
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	$$bin/postwatch-bench client --output docs/benchmarks.md && \
	$$bin/postwatch-bench watch && \
	$$bin/postwatch-bench rules && \
	$$bin/postwatch-bench notify && \
	$$bin/postwatch-bench retention

deploy-check:
	bash deploy/check.sh

clean:
	rm -rf .build
