# syntax=docker/dockerfile:1
# Tether as a container: Next.js's standalone server (next.config.js: output 'standalone') on Node 22.
# Build: docker build -t tether .   Run with Postgres and Redis: docker compose up (docker-compose.yml).

# --- dependencies (dev dependencies too: the build needs TypeScript, Tailwind, drizzle-orm) ---------
# Node 22: the OpenTelemetry 3.x packages declare node >= 22.15 (Tether itself is tested on 20 and 22 runs it too).
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- build --------------------------------------------------------------------------------------------
FROM node:22-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The standalone server does not serve static assets from the build folder by itself: they are copied
# next to it below. public/ is optional in this project; create it so the copy never fails.
RUN npm run build && mkdir -p public

# --- runtime: only the traced server, its node_modules subset, drizzle/ and the static assets -------
FROM node:22-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    TETHER_DATA_DIR=/app/.data \
    DATABASE_MIGRATE_ON_START=on
RUN groupadd --system --gid 1001 tether && useradd --system --uid 1001 --gid tether --no-create-home tether \
    && mkdir -p /app/.data && chown tether:tether /app/.data
COPY --from=build --chown=tether:tether /app/.next/standalone ./
COPY --from=build --chown=tether:tether /app/.next/static ./.next/static
COPY --from=build --chown=tether:tether /app/public ./public
USER tether
EXPOSE 3000
# /api/health answers 200 only when Postgres and Redis answer; Node 20 has fetch, the image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations run inside the server at start (DATABASE_MIGRATE_ON_START, lib/startup.ts): the runtime
# image has no tsx or drizzle-kit, and several replicas take turns on a Postgres advisory lock.
CMD ["node", "server.js"]
