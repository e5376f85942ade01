#!/usr/bin/env bash
# Benchmark: health-checker --defrag vs the plain `etcdctl defrag` loop over every endpoint (issue 6).
# Same 3-member cluster, alternating methods, each on a freshly fragmented db, with one writer pinned to each member
# and one writer that rotates endpoints after an error. Results: bench/health-defrag-results.txt and bench/RESULTS.md.
#
#   bench/health-defrag.sh [etcd-version] [live-MiB] [fragmenting-MiB] [repetitions] [methods]
#   bench/health-defrag.sh 3.6.16 100 550 3      # ~650 MiB file, ~100 MiB live
#   bench/health-defrag.sh 3.6.16 1024 300 3     # ~1 GiB live
#   bench/health-defrag.sh 3.6.16 1024 300 3 etcdctl-leader-last,etcdctl-move-leader   # does moving leadership help?
set -euo pipefail
cd "$(dirname "$0")/.."
V=${1:-3.6.16}; LIVE=${2:-100}; FRAG=${3:-550}; REPS=${4:-3}; METHODS=${5:-etcdctl-loop,health-checker}
mvn -B -o -q -pl health-checker package -DskipTests
mvn -B -o -q -pl health-checker dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
# private copies: the run takes many minutes and ~/.m2 snapshots may be reinstalled meanwhile
L=health-checker/target/bench-lib; rm -rf $L; mkdir -p $L; cp health-checker/target/health-checker.jar $L/
tr ':' '\n' < health-checker/target/bench.cp | grep -E '/(testkit|bcpkix|bcprov|bcutil)-' | xargs -I{} cp {} $L/
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM: etcd $V live=${LIVE}MiB frag=${FRAG}MiB reps=$REPS methods=$METHODS" >> bench/health-defrag-results.txt
java -Xmx1g -cp "health-checker/target/test-classes:$L/*" \
  io.etcdops.health.bench.DefragBench "$V" "$LIVE" "$FRAG" "$REPS" $L/health-checker.jar bench/health-defrag-results.txt "$METHODS"
