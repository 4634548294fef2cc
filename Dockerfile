# The aartha image: the static release binary (deploy/build-release.sh) on
# distroless "static", running as an unprivileged user. CI does not build it
# (no Docker daemon there); build it with
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) -t aartha .
#
# The root file system can be read-only: the service writes only to
# /var/lib/aartha (the embedded store and chain, for development; nothing in
# production, where DATABASE_URL and BLOCKCHAIN_RPC_URL are set).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
ARG SOURCE_DATE_EPOCH=0
RUN VERSION="$VERSION" COMMIT="$COMMIT" SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
    deploy/build-release.sh /out/aartha \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/aartha /usr/local/bin/aartha
COPY --from=build --chown=65532:65532 /out/data /var/lib/aartha
USER 65532:65532
ENV AARTHA_DATA_DIR=/var/lib/aartha \
    AARTHA_LISTEN_ADDR=0.0.0.0:8080
VOLUME /var/lib/aartha
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/aartha"]
CMD ["serve"]
