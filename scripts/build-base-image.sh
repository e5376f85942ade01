#!/usr/bin/env bash
# Builds the local JRE 17 base image that offline image builds use (Jib's tar:// base), from Debian packages only:
#   mmdebstrap --quiet --variant=minbase --include=openjdk-17-jre-headless bookworm  ->  podman import  ->  podman save
# Output: ${ETCD_OPS_CACHE:-~/.cache/etcd-ops}/images/jre17-base.tar (docker-archive). Idempotent: a cached tar is
# reused unless --force. Needs root (mmdebstrap's chroot mode, podman). Not a production base: releases use the
# default gcr.io/distroless/java17-debian12:nonroot; this one only stands in for it where no registry is reachable.
# It mirrors what matters from distroless: non-root uid/gid 65532 by default, java on PATH, CA certificates.
set -euo pipefail

CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
OUT="$CACHE/images/jre17-base.tar"
SUITE=${ETCD_OPS_BASE_SUITE:-bookworm}
NAME=localhost/etcd-ops/jre17-base:$SUITE
step() { echo "==> [build-base-image] $*" >&2; }

if [ -s "$OUT" ] && [ "${1:-}" != "--force" ]; then step "cached: $OUT"; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
for p in mmdebstrap podman runc; do
  if ! command -v "$p" >/dev/null 2>&1; then
    step "installing $p"; $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  fi
done

mkdir -p "$(dirname "$OUT")"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
start=$(date +%s)
step "mmdebstrap $SUITE minbase + openjdk-17-jre-headless"
# No docs, man pages or locales: no job reads them. (Man pages are deleted afterwards: dpkg path-exclude of
# /usr/share/man breaks the JRE's update-alternatives, which links into it.)
$SUDO mmdebstrap --quiet --variant=minbase --include=openjdk-17-jre-headless,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
  --customize-hook='find "$1"/usr/share/man -type f -delete' \
  --customize-hook='chroot "$1" sh -c "groupadd -g 65532 nonroot && useradd -u 65532 -g 65532 -d /home/nonroot -m -s /usr/sbin/nologin nonroot"' \
  "$SUITE" "$work/rootfs.tar"
step "podman import as $NAME"
$SUDO podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'USER 65532:65532' \
  --change 'WORKDIR /home/nonroot' \
  "$work/rootfs.tar" "$NAME" >/dev/null
$SUDO podman save --quiet --format docker-archive -o "$OUT.tmp" "$NAME"
mv "$OUT.tmp" "$OUT"
step "done in $(( $(date +%s) - start ))s: $OUT ($(du -m "$OUT" | cut -f1) MiB)"
