# envoy-injector: every target installs what it needs itself.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
CLI := node dist/src/cli/main.js
# Tests are listed from their sources, so a stale file in dist/ never runs.
UNIT_TESTS = $(patsubst %.ts,dist/%.js,$(shell find test -name '*.test.ts' -not -path 'test/system/*' | sort))
SYSTEM_TESTS = $(patsubst %.ts,dist/%.js,$(shell find test/system -name '*.test.ts' | sort))
NODE_TEST := node --test --test-concurrency=2
LINT_CACHE := node_modules/.cache/eslint/

.PHONY: bundle cni-plugin unit-batch-1 unit-batch-2 install system-deps build compile lint format check unit-tests test --quick golden re2-wasm run certs bench mutate image deploy undeploy clean

VERSION := $(shell node -p "require('./package.json').version")
IMAGE_REPO ?= envoy-injector
# CERTS=self-managed (default) or CERTS=cert-manager
CERTS ?= self-managed
MANIFESTS := $(if $(filter cert-manager,$(CERTS)),manifests/cert-manager,manifests)

# npm ci only when the lock file changed since the last install.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: node_modules/.installed
	rm -rf dist
	$(MAKE) --no-print-directory compile
	npm run --silent bundle

# Incremental: what `make check` uses between edits.
compile: node_modules/.installed
	$(NODE_BIN)/tsc -p . --incremental --tsBuildInfoFile dist/.tsbuildinfo
	@chmod +x dist/src/cli/main.js

# ESLint (typescript-eslint strict, type-checked) and Prettier's check.
lint: node_modules/.installed
	$(NODE_BIN)/eslint --cache --cache-location $(LINT_CACHE) .
	$(NODE_BIN)/prettier --check --log-level warn 'src/**/*.ts' 'test/**/*.ts' 'bench/**/*.ts' '*.js'

format: node_modules/.installed
	$(NODE_BIN)/prettier --write --log-level warn 'src/**/*.ts' 'test/**/*.ts' 'bench/**/*.ts' '*.js'

# The fast loop: lint, type check and the in-process tests (no sockets to
# other processes, no namespaces, no timers to wait out), the tests in two
# processes that each load the shared modules once (test/batch.ts).
check: node_modules/.installed
	@$(MAKE) --no-print-directory -j3 lint unit-batch-1 unit-batch-2

# Every other in-process test file in each batch: about even halves.
unit_batch = $(foreach i,$(shell seq $(1) 2 $(words $(UNIT_TESTS))),$(word $(i),$(UNIT_TESTS)))
unit-batch-1 unit-batch-2: unit-batch-%: compile
	node --test-reporter=dot dist/test/batch.js $(call unit_batch,$*)

unit-tests: compile
	$(NODE_TEST) $(UNIT_TESTS)

# The traffic-capture test applies real iptables rules in network namespaces:
# it needs iptables (nft and legacy), iproute2 and setpriv. As root they are
# installed when missing; otherwise that test says why it is skipped.
system-deps:
	@if command -v iptables-legacy >/dev/null && command -v iptables-nft >/dev/null && command -v ip >/dev/null && command -v setpriv >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing iptables, iproute2, util-linux for the traffic-capture test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables iproute2 util-linux >/dev/null; \
	else echo "iptables/iproute2/setpriv missing and cannot be installed here (not root or no apt-get): the traffic-capture test will be skipped"; fi

# Everything CI runs: lint, a clean build, the in-process tests and the system
# tests (HTTPS server, certificates, stand-in API server, network namespaces).
test: lint build system-deps cni-plugin
	$(NODE_TEST) $(UNIT_TESTS) $(SYSTEM_TESTS)

# What the image runs: src/cli/main.ts bundled by esbuild (minified, the
# Kubernetes client and the control plane in chunks loaded when first used).
# Node keeps every loaded module's source text: the bundle saves about 30 MiB
# of a serving replica's memory. The system tests and benchmarks run it.
bundle: node_modules/.installed
	npm run --silent bundle

# The CNI plugin as the node runs it: one executable (a Node single-executable
# application of `envoy-injector cni` alone, esbuild-bundled), no Node.js on
# the host; glibc and libstdc++ are all it links. The DaemonSet installs it.
# The recipe is package.json's (the image's build stage runs the same).
cni-plugin: node_modules/.installed
	npm run --silent cni-plugin

# Rebuilds src/routes/re2/re2-wasm.ts (Google's RE2 as WebAssembly, which judges
# regexes as Envoy does) from RE2's sources; needs clang 14 for wasm32-wasi,
# installed by the script. Only to change RE2's version: review the new file.
re2-wasm:
	src/routes/re2/build.sh

# Rewrites the expected files of the golden tests: review the diff like code.
golden: build
	REFRESH_GOLDEN=1 node --test dist/test/golden.test.js dist/test/routing-guide.test.js

certs/tls.crt: | build
	$(CLI) certs --out certs --service envoy-injector --namespace envoy-injector

certs: certs/tls.crt

# `make run PORT=9443` for another port.
PORT ?= 8443
run: build certs/tls.crt
	$(CLI) serve --cert-dir certs --port $(PORT) --address 127.0.0.1

# Mutation testing of the core (StrykerJS 9, tap runner over the compiled
# in-process tests; see docs/architecture.md#mutation-score), one part of the
# core at a time, each with its results in reports/mutation/PART.json (kept in
# the repository). Incremental: only mutants in code, or covered by tests,
# changed since the recorded run are tested again (test-changes.js makes a
# case added to an existing test file count as a change). PARTS='routes inject'
# narrows the parts; MUTATE_FULL=1 tests every mutant again. Prints the
# survivors with file and line and the score per folder, then proves the
# known bugs are caught; fails under 85 % in a folder or on a missed bug.
MUTATION_PARTS := model routes inject admission offline envoy server cni
mutation_files_server := src/server/review-body.ts,src/server/tls.ts
mutation_files = $(or $(mutation_files_$(1)),src/$(1)/**/*.ts)
PARTS ?= $(MUTATION_PARTS)

mutate: compile
	$(foreach part,$(PARTS),\
	  node dist/test/mutation/test-changes.js forget reports/mutation/$(part).json && \
	  $(NODE_BIN)/stryker run --mutate '$(call mutation_files,$(part))' --incrementalFile reports/mutation/$(part).json $(if $(MUTATE_FULL),--force) && \
	  node dist/test/mutation/test-changes.js record reports/mutation/$(part).json &&) true
	node dist/test/mutation/scores.js $(foreach part,$(MUTATION_PARTS),reports/mutation/$(part).json)
	node dist/test/mutation/known-bugs.js

# The server against its floor, by pod size (see docs/operations.md#performance);
# `make bench -- --quick` for a one-minute run. Then the in-process stages.
bench: build
	node dist/bench/server.bench.js $(filter --quick,$(MAKECMDGOALS))
	node dist/bench/inject.bench.js
	node dist/bench/xds.bench.js $(filter --quick,$(MAKECMDGOALS))

# Lets `make bench -- --quick` pass --quick through.
--quick:
	@:

# Both images: the webhook (Dockerfile) and envoy-init (images/envoy-init).
image:
	docker build -t $(IMAGE_REPO)/envoy-injector:$(VERSION) .
	docker build -t $(IMAGE_REPO)/envoy-init:$(VERSION) images/envoy-init

deploy:
	kubectl apply -k $(MANIFESTS)
	kubectl -n envoy-injector rollout status deployment/envoy-injector --timeout=120s

# The webhook configuration goes first: pods keep starting (uninjected)
# while the rest is removed.
undeploy:
	kubectl delete mutatingwebhookconfiguration envoy-injector --ignore-not-found
	kubectl delete -k $(MANIFESTS) --ignore-not-found

clean:
	rm -rf dist node_modules/.installed .stryker-tmp
