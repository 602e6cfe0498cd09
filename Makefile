# envoy-injector: every target installs what it needs itself.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
CLI := node dist/src/cli/main.js
TEST_FILES = $(shell find dist/test -name '*.test.js' | sort)

.PHONY: install build test golden run certs bench clean

# npm ci only when the lock file changed since the last install.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: node_modules/.installed
	rm -rf dist
	$(NODE_BIN)/tsc -p .
	@chmod +x dist/src/cli/main.js

test: build
	node --test $(TEST_FILES)

# Rewrites the expected files of the golden tests: review the diff like code.
golden: build
	REFRESH_GOLDEN=1 node --test dist/test/golden.test.js dist/test/readme-routing.test.js

certs/tls.crt: | build
	$(CLI) certs --out certs --service envoy-injector --namespace envoy-injector

certs: certs/tls.crt

run: build certs/tls.crt
	$(CLI) serve --cert-dir certs --port 8443 --address 127.0.0.1

bench: build
	node dist/bench/inject.bench.js

clean:
	rm -rf dist node_modules/.installed
