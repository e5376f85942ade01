#!/usr/bin/env bash
# Installs what the tests need (idempotent, cached under ~/.cache/etcd-ops) and runs every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
command -v javac >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >/dev/null; }
# Every download is cached under ~/.cache/etcd-ops: the Maven distribution, the Maven repository, etcd, tools.
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
export MAVEN_USER_HOME="$CACHE/maven"
export MAVEN_ARGS="${MAVEN_ARGS:-} -Dmaven.repo.local=$CACHE/m2"
status=0
./mvnw -B -fae verify "$@" || status=$?
echo "==> test summary (Surefire/Failsafe)"
for f in */target/surefire-reports/*.txt */target/failsafe-reports/*.txt; do
  [ -f "$f" ] && grep -h "Tests run" "$f" | sed "s|^|$(dirname "$(dirname "$f")")/$(basename "$(dirname "$f")"): |"
done 2>/dev/null | sort | uniq || true
exit $status
