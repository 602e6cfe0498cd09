# envoy-injector: the webhook server image. Build: make image.
# Node 24 is the current LTS line; versions are pinned so a rebuild is the same image.

# 1. Compile the TypeScript (dev dependencies only live here).
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json
# What runs: the esbuild bundle of the CLI (make bundle); Node keeps each
# loaded module's source text, and the bundle's is about 30 MiB less.
RUN npm run bundle
# The CNI plugin as the nodes run it (make cni-plugin): a Node single
# executable of `envoy-injector cni` alone; manifests/cni installs it.
RUN npm run cni-plugin

# 2. Production dependencies only.
FROM node:24.11.1-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# 3. Runtime: Node and the compiled JavaScript. Same pinned base (distroless
#    images carry no version tags, so pinning one needs a digest resolved at
#    release time); npm and corepack are removed, nothing here needs a shell.
FROM node:24.11.1-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist/bundle ./dist/bundle
COPY --from=build /src/dist/cni/envoy-injector-cni ./cni/envoy-injector-cni
COPY images/envoy-init/envoy-init.sh ./cni/envoy-init.sh
COPY package.json ./
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/node", "dist/bundle/envoy-injector.js"]
CMD ["serve"]
