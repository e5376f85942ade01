#!/usr/bin/env bash
# Builds etcd, etcdctl and etcdutl of one pinned version from the Go module proxy, through the wrapper module
# scripts/etcd-builds/<version> (its go.sum makes the build checksum-verified), into <cache>/etcd/<version>/.
# Idempotent: a version whose three binaries are there (and report that version) is left alone.
# Usage: scripts/build-etcd.sh <version>...   (ETCD_OPS_CACHE overrides ~/.cache/etcd-ops)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
# Go's module and build caches live in the project cache too, so CI's cache of ~/.cache/etcd-ops keeps them warm.
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
export GOTOOLCHAIN=local GONOSUMDB="" GOFLAGS="$GOFLAGS"
command -v go >/dev/null || { echo "build-etcd: 'go' is not on PATH (Go 1.26 is needed)" >&2; exit 2; }
mkdir -p "$CACHE/etcd"
# one build at a time per cache (two callers at once wait for each other instead of sharing a temporary folder)
exec 9>"$CACHE/etcd/.build.lock"; flock 9
for v in "$@"; do
  src="$HERE/etcd-builds/$v" dir="$CACHE/etcd/$v"
  [ -f "$src/go.mod" ] || { echo "build-etcd: no wrapper module for etcd $v (scripts/etcd-builds/$v)" >&2; exit 2; }
  # (the version is read into a variable first: `etcd --version | grep -q` can fail under pipefail when grep exits early)
  if [ -x "$dir/etcd" ] && [ -x "$dir/etcdctl" ] && [ -x "$dir/etcdutl" ] \
     && [[ $'\n'"$("$dir/etcd" --version 2>/dev/null)"$'\n' == *$'\n'"etcd Version: $v"$'\n'* ]]; then
    echo "==> [build-etcd] etcd $v: cached" >&2; continue
  fi
  echo "==> [build-etcd] etcd $v: building from the Go module proxy" >&2
  start=$(date +%s); tmp="$dir.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$src" && for m in server etcdctl etcdutl; do
     out=$m; [ $m = server ] && out=etcd
     go build -trimpath -ldflags "-s -w" -o "$tmp/$out" "go.etcd.io/etcd/$m/v3"
   done)
  got=$("$tmp/etcd" --version | sed -n 's/^etcd Version: //p')
  [ "$got" = "$v" ] || { echo "build-etcd: the $v build reports etcd version '$got'" >&2; exit 1; }
  rm -rf "$dir"; mv "$tmp" "$dir"
  echo "==> [build-etcd] etcd $v: built in $(( $(date +%s) - start )) s" >&2
done
