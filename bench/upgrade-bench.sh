#!/usr/bin/env bash
# Benchmark: write availability during a 3-member etcd patch rollout, upgrader vs a plain StatefulSet RollingUpdate
# image change (issue 8). Real etcd 3.5.16 <-> 3.5.30 in testkit's Kubernetes simulation, methods alternating on one
# cluster; one writer pinned to each member and one multi-endpoint writer that retries on the next endpoint.
# Results: bench/upgrade-bench-results.txt and bench/RESULTS.md.
#
#   bench/upgrade-bench.sh [repetitions]      # default 5 (each repetition = one rollout per method)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
mvn -B -o -q -pl upgrader test-compile
mvn -B -o -q -pl upgrader dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
# private copies of our own snapshot jars: the run takes minutes and ~/.m2 snapshots may be reinstalled meanwhile
L=upgrader/target/bench-lib; rm -rf $L; mkdir -p $L
CP=""
for j in $(tr ':' '\n' < upgrader/target/bench.cp); do
  case "$j" in */io/etcdops/*) cp "$j" $L/; CP="$CP:$L/$(basename "$j")";; *) CP="$CP:$j";; esac
done
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM: upgrader vs RollingUpdate, etcd 3.5.16 <-> 3.5.30, 3 members, reps=$REPS" >> bench/upgrade-bench-results.txt
java -Xmx1g -cp "upgrader/target/test-classes:upgrader/target/classes$CP" io.etcdops.upgrade.UpgradeBench "$REPS" bench/upgrade-bench-results.txt
