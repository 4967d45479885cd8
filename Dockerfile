# syntax=docker/dockerfile:1
# One image for every command: `quire start|serve|worker|migrate|keys` (CMD picks; default start).
# NODE_VERSION stays on the Node 24 line that CI's second run installs (CI_NODE24_SPEC in .ci/run);
# test/deploy/dockerfile.test.ts fails when the two majors differ.
ARG NODE_VERSION=24.22.3

# --- build: compile TypeScript, the SDK (packages/client, @quire/client) first: its types are
# generated from the OpenAPI document of the app built here without listening, which opens an
# embedded database, so better-sqlite3's install script runs (onnxruntime-node's stays skipped);
# then bundle the web console (Vite; esbuild and Rollup run from their platform packages).
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/openapi-document.ts ./scripts/
COPY packages/client/tsconfig.json ./packages/client/
COPY packages/client/src ./packages/client/src
COPY src ./src
COPY console ./console
RUN npm run build

# --- production dependencies: native addons (better-sqlite3, better-sqlite3-node24) are compiled
# here against this Node, with the compilers of the full Debian image, which stay in this stage.
# onnxruntime-node's CUDA download is skipped (its CPU binaries ship in the package): by
# package.json's allowScripts denial where npm reads it (npm 11's install-script policy), and by
# the variable its install script reads for any npm.
FROM node:${NODE_VERSION}-bookworm AS prod-deps
WORKDIR /app
ENV NODE_ENV=production \
  ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
# The workspace's manifest: npm links node_modules/@quire/client to it (the CLI's client commands).
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# onnxruntime-node ships macOS and Windows binaries too (220 of its 290 MB, measured): not for here.
RUN rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32

# --- runtime: slim Node, tini as PID 1 (signals reach node, zombies are reaped), non-root.
# `--build-arg WITH_LIBREOFFICE=true` makes the variant that extracts .doc, .xls, .ppt (and
# anything else LibreOffice reads) through a sandboxed `soffice` (about 330 MB more; QUIRE_SOFFICE
# finds it on PATH).
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG WITH_LIBREOFFICE=false
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && if [ "$WITH_LIBREOFFICE" = true ]; then \
    apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-dejavu-core; \
  fi \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
  QUIRE_HOST=0.0.0.0 \
  QUIRE_PORT=8080 \
  QUIRE_DATA_DIR=/data
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The built web console, served at /console/ (QUIRE_CONSOLE_DIR defaults to console/dist here).
COPY --from=build --chown=root:root /app/console/dist ./console/dist
# dist/version.js reads the version from package.json.
COPY --chown=root:root package.json ./
# The SDK that `quire upload|ls|search…` speak through (node_modules/@quire/client links here).
COPY --chown=root:root packages/client/package.json ./packages/client/
COPY --from=build --chown=root:root /app/packages/client/dist ./packages/client/dist
# The data dir holds only staging files when blobs are in S3 and the database is PostgreSQL; the
# embedded default keeps its SQLite file and blobs here too, hence a volume.
RUN mkdir -p /data/tmp && chown -R 1000:1000 /data
VOLUME ["/data"]
# uid 1000 is the node image's `node` user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
# /livez touches no dependency: a database outage must not make the engine restart the container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.QUIRE_PORT||8080)+'/livez',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "dist/cli.js"]
CMD ["start"]
