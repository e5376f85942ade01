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
# Container images: built with Jib on a local JRE base and smoke-tested with podman (charts' ImageSmokeIT), about
# 1.5 minutes warm / 2.5 cold on 2 cores (bench/RESULTS.md "Images"); with the opt-in CDS archive of the backup-job
# image (-Pcds, scripts/image-cds.sh), so that the smoke test maps it. --no-images skips them.
IMAGES=(-Pimages,cds)
if [ "${1:-}" = "--no-images" ]; then shift; IMAGES=(); else
  ./scripts/build-base-image.sh
  IMAGES+=("-Djib.from.image=tar://$CACHE/images/jre17-base.tar")
fi
status=0
./mvnw -B -fae verify "${IMAGES[@]}" "$@" || status=$?
echo "==> test summary (Surefire/Failsafe)"
for f in */target/surefire-reports/*.txt */target/failsafe-reports/*.txt; do
  [ -f "$f" ] && grep -h "Tests run" "$f" | sed "s|^|$(dirname "$(dirname "$f")")/$(basename "$(dirname "$f")"): |"
done 2>/dev/null | sort | uniq || true
# the failing tests' own words (CI keeps only the tail of this output): the first lines of each failing report
for f in */target/surefire-reports/*.txt */target/failsafe-reports/*.txt; do
  if [ -f "$f" ] && grep -q "FAILURE!" "$f"; then
    echo "==> $f"
    grep -v "^\s*at " "$f" | head -25 | cut -c1-300
  fi
done 2>/dev/null || true
exit $status
