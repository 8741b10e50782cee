# Build the one binary, then run it on a slim image.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/danvan /usr/local/bin/danvan

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/danvan --create-home danvan
COPY --from=build /usr/local/bin/danvan /usr/local/bin/danvan
USER danvan
WORKDIR /var/lib/danvan
EXPOSE 8080
CMD ["danvan", "serve"]
