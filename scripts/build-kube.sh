#!/usr/bin/env bash
# Builds the Kubernetes control plane the tests run (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
# as one multi-call binary) from the Go module proxy through the wrapper module scripts/kube-builds/<version> (its
# go.sum makes the build checksum-verified) into <cache>/kube/<version>/, with a link per component name.
# k8s.io/kubernetes requires its staging modules at v0.0.0 through ./staging replaces, which do not apply to a
# dependency: the wrapper replaces each with its published v0.X.Y. Idempotent.
# Usage: scripts/build-kube.sh [version]   (default 1.36.3; ETCD_OPS_CACHE overrides ~/.cache/etcd-ops)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
V=${1:-1.36.3}
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
export GOTOOLCHAIN=local
command -v go >/dev/null || { echo "build-kube: 'go' is not on PATH (Go 1.26 is needed)" >&2; exit 2; }
src="$HERE/kube-builds/$V" dir="$CACHE/kube/$V"
[ -f "$src/go.mod" ] || { echo "build-kube: no wrapper module for Kubernetes $V (scripts/kube-builds/$V)" >&2; exit 2; }
mkdir -p "$CACHE/kube"
exec 9>"$CACHE/kube/.build.lock"; flock 9
client_version() { "$1/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p'; }
if [ -x "$dir/kube" ] && [ "$(client_version "$dir")" = "v$V" ]; then
  echo "==> [build-kube] Kubernetes $V: cached" >&2; exit 0
fi
echo "==> [build-kube] Kubernetes $V: building from the Go module proxy (several minutes on 2 cores)" >&2
start=$(date +%s); tmp="$dir.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
minor=${V#*.}; minor=${minor%%.*}
# without these /version says v0.0.0-master and Helm's kubeVersion checks fail
LD="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LD="$LD -X $pkg.gitVersion=v$V -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  LD="$LD -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
(cd "$src" && go build -trimpath -ldflags "$LD" -o "$tmp/kube" .)
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do ln -sf kube "$tmp/$c"; done
[ "$(client_version "$tmp")" = "v$V" ] || { echo "build-kube: the build reports kubectl '$(client_version "$tmp")'" >&2; exit 1; }
rm -rf "$dir"; mv "$tmp" "$dir"
echo "==> [build-kube] Kubernetes $V: built in $(( $(date +%s) - start )) s" >&2
