# syntax=docker/dockerfile:1
# itf-planner container image. Templates and migrations are compiled into the binary; static/
# (CSS, JS, images, including the committed static/vendor build output) is copied beside it.
# The image has no PostgreSQL server: run it with DATABASE_URL (see docker-compose.yml).

FROM rust:1-bookworm AS builder
WORKDIR /src
# Build without a live database if sqlx's compile-time checked queries are used (.sqlx/).
ENV SQLX_OFFLINE=true
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -m 0755 target/release/itf-planner /usr/local/bin/itf-planner

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 itf \
    && useradd --system --uid 10001 --gid itf --home-dir /app --shell /usr/sbin/nologin itf \
    && mkdir -p /app/data \
    && chown itf:itf /app/data
COPY --from=builder /usr/local/bin/itf-planner /usr/local/bin/itf-planner
COPY static/ /app/static/
WORKDIR /app
USER itf:itf
# Logs as JSON lines for a collector. Give ITF_SECRET_KEY (the same to every replica) or keep
# /app/data on a volume, where the key file is made on first start.
ENV ITF_BIND=0.0.0.0:3000 \
    ITF_STATIC_DIR=/app/static \
    ITF_DATA_DIR=/app/data \
    ITF_LOG_FORMAT=json
EXPOSE 3000
CMD ["itf-planner", "serve"]
