#!/usr/bin/env bash
# Builds the release binary of aartha: static (CGO_ENABLED=0, pure Go, no
# libc), -trimpath (no build paths inside), stamped with version, commit and
# build date for `aartha version`, /health and the Sentry release.
#
#   deploy/build-release.sh [OUT]          # default bin/aartha
#   VERSION=v1.2.0 deploy/build-release.sh # name the release yourself
#   GOOS=linux GOARCH=arm64 deploy/build-release.sh bin/aartha-arm64
#
# Reproducible: the build date is the commit's time (or SOURCE_DATE_EPOCH),
# the build id is empty and no path or VCS state is embedded, so the same
# commit built with the same Go gives the same bytes (CI checks this).
# Without a git work tree (a Docker build context) pass VERSION, COMMIT and
# SOURCE_DATE_EPOCH.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin/aartha}

in_git() { git rev-parse --git-dir >/dev/null 2>&1; }
version=${VERSION:-}
if [ -z "$version" ]; then
  version=devel
  if in_git; then version=$(git describe --tags --always --dirty 2>/dev/null || echo devel); fi
fi
commit=${COMMIT:-}
if [ -z "$commit" ] && in_git; then commit=$(git rev-parse HEAD); fi
epoch=${SOURCE_DATE_EPOCH:-}
if [ -z "$epoch" ]; then
  epoch=0
  if in_git; then epoch=$(git log -1 --format=%ct); fi
fi
build_date=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$epoch" +%Y-%m-%dT%H:%M:%SZ)

for v in "$version" "$commit"; do
  case $v in *[!A-Za-z0-9._+-]*) echo "build-release: VERSION and COMMIT may hold only letters, digits and . _ + -" >&2; exit 2 ;; esac
done

mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
  -ldflags "-s -w -buildid= -X main.version=${version} -X main.commit=${commit} -X main.buildDate=${build_date}" \
  -o "$out" ./cmd/aartha
echo "built $out: aartha $version (commit ${commit:-unknown}, built $build_date)"
