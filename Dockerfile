# kateway: multi-stage build on Node 20; runs the same steps as the README quick start (npm ci, build, start).
FROM node:20-bookworm AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY gateway ./gateway
COPY proxy ./proxy
COPY shared ./shared
COPY scripts ./scripts
COPY test ./test
COPY loadtest ./loadtest
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production KATEWAY_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /app/.data && chown -R node:node /app/.data
USER node
EXPOSE 9191 9192 9193 10891
VOLUME ["/app/.data"]
# `npm start` rebuilds first; the image is already built, so it runs the compiled launcher directly.
CMD ["node", "dist/cli/kateway.js", "start"]
