# Build the one binary, then run it on a slim image.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dependencies first, on their own layer: a change to the app's code
# rebuilds only the app, not the hundreds of crates under it.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked && rm -rf src
COPY src src
COPY migrations migrations
COPY templates templates
COPY locales locales
COPY static static
RUN touch src/main.rs src/lib.rs && cargo build --release --locked \
    && cp target/release/danvan /usr/local/bin/danvan

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/danvan --create-home danvan
COPY --from=build /usr/local/bin/danvan /usr/local/bin/danvan
USER danvan
WORKDIR /var/lib/danvan
# Inside a container the app listens on every interface (`docker run -p
# 8080:8080` reaches it); its data (SQLite file, session key) stays in
# the volume.
ENV BIND_ADDR=0.0.0.0:8080 DATA_DIR=/var/lib/danvan
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["danvan", "serve"]
