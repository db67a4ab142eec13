# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript, then keep only production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY sdk sdk
COPY src src
COPY drizzle drizzle
COPY web web
RUN npm run build && npm run web:build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: Node.js 24, non-root, only what runs.
FROM node:24-bookworm-slim
ENV NODE_ENV=production KAAS_HOST=0.0.0.0 KAAS_PORT=8080 KAAS_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/drizzle drizzle
COPY --from=build /app/sdk/package.json sdk/package.json
COPY --from=build /app/sdk/dist sdk/dist
COPY --from=build /app/web/dist web/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
ENTRYPOINT ["node", "dist/main.js"]
CMD ["all"]
