# envoy-injector: every target installs what it needs itself.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
CLI := node dist/src/cli/main.js
TEST_FILES = $(shell find dist/test -name '*.test.js' | sort)

.PHONY: install build test golden run certs bench clean system-deps

# npm ci only when the lock file changed since the last install.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: node_modules/.installed
	rm -rf dist
	$(NODE_BIN)/tsc -p .
	@chmod +x dist/src/cli/main.js

# The traffic-capture tests need iptables and iproute2 (Debian packages).
system-deps:
	@if ! command -v iptables >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get install -y -q iptables iproute2 >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q iptables iproute2 >/dev/null)) \
			|| echo "warning: could not install iptables/iproute2: the capture tests will say why they skip"; \
		else echo "note: iptables/iproute2 missing and not root: the capture tests will say why they skip"; fi; \
	fi

test: build system-deps
	node --test $(TEST_FILES)

# Rewrites the expected files of the golden tests: review the diff like code.
golden: build
	REFRESH_GOLDEN=1 node --test dist/test/golden.test.js

certs/tls.crt: | build
	$(CLI) certs --out certs --service envoy-injector --namespace envoy-injector

certs: certs/tls.crt

run: build certs/tls.crt
	$(CLI) serve --cert-dir certs --port 8443 --address 127.0.0.1

bench: build
	node dist/bench/inject.bench.js

clean:
	rm -rf dist node_modules/.installed
