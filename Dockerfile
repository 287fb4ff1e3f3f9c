# mfaguard serve in a container: the live service (ingestion, cases, verification, outbox, API, dashboard).
# Build: docker build -t mfaguard .   Run: docker run -p 8080:8080 -v mfaguard-data:/data \
#   -e MFAGUARD_INGEST_TOKEN=... -e MFAGUARD_ADMIN_TOKEN=... mfaguard

# The build stage has the compilers better-sqlite3 needs when no prebuilt binary can be fetched.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# The runtime stage holds only what `serve` runs: compiled code, production modules, rules and the dashboard.
# No src/: bin/mfaguard.js then runs dist/ instead of the TypeScript sources.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    MFAGUARD_STORE=sqlite:/data/mfaguard.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
COPY bin ./bin
COPY rules ./rules
COPY web ./web
COPY mfaguard.example.yml ./
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# Never run as root: the service only needs its data directory.
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/mfaguard.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
