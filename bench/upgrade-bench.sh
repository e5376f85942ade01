#!/usr/bin/env bash
# Benchmark: write availability during a 3-member etcd rollout, upgrader vs a plain StatefulSet RollingUpdate image
# change. Real etcd in testkit's Kubernetes simulation; one writer pinned to each member and one multi-endpoint writer
# that retries on the next endpoint. Default: the minor upgrade 3.6.16 -> 3.7.3 (a fresh 3.6 cluster per rollout:
# there is no way back by image change); a patch pair (UPGRADE_FROM=3.5.21 UPGRADE_TO=3.5.36) alternates both ways on
# one cluster. Results: bench/upgrade-bench-results.txt and bench/RESULTS.md.
#
#   [UPGRADE_FROM=3.6.16] [UPGRADE_TO=3.7.3] bench/upgrade-bench.sh [repetitions]   # default 5 (one rollout per method each)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
FROM=${UPGRADE_FROM:-3.6.16}
TO=${UPGRADE_TO:-3.7.3}
mvn -B -o -q -pl upgrader test-compile
mvn -B -o -q -pl upgrader dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
# private copies of our own snapshot jars: the run takes minutes and ~/.m2 snapshots may be reinstalled meanwhile
L=upgrader/target/bench-lib; rm -rf $L; mkdir -p $L
CP=""
for j in $(tr ':' '\n' < upgrader/target/bench.cp); do
  case "$j" in */io/etcdops/*) cp "$j" $L/; CP="$CP:$L/$(basename "$j")";; *) CP="$CP:$j";; esac
done
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM: upgrader vs RollingUpdate, etcd $FROM -> $TO, 3 members, reps=$REPS" >> bench/upgrade-bench-results.txt
java -Xmx1g -Dupgrade.from="$FROM" -Dupgrade.to="$TO" -cp "upgrader/target/test-classes:upgrader/target/classes$CP" io.etcdops.upgrade.UpgradeBench "$REPS" bench/upgrade-bench-results.txt
