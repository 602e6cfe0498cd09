# envoy-injector: every target installs what it needs itself.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
CLI := node dist/src/cli/main.js
TEST_FILES = $(shell find dist/test -name '*.test.js' | sort)

.PHONY: install system-deps build test golden run certs bench image deploy undeploy clean

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
	$(NODE_BIN)/tsc -p .
	@chmod +x dist/src/cli/main.js

# The traffic-capture test applies real iptables rules in network namespaces:
# it needs iptables (nft and legacy), iproute2 and setpriv. As root they are
# installed when missing; otherwise that test says why it is skipped.
system-deps:
	@if command -v iptables-legacy >/dev/null && command -v iptables-nft >/dev/null && command -v ip >/dev/null && command -v setpriv >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing iptables, iproute2, util-linux for the traffic-capture test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables iproute2 util-linux >/dev/null; \
	else echo "iptables/iproute2/setpriv missing and cannot be installed here (not root or no apt-get): the traffic-capture test will be skipped"; fi

test: build system-deps
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
	rm -rf dist node_modules/.installed
