#!/usr/bin/env bash
# backup-job benchmark (issue: backup-job). Side by side, in one run, on the same 3-member etcd 3.5.30 cluster:
#   (a) etcdctl snapshot save to local disk                      - the limit
#   (b) etcdctl snapshot save + `aws s3 cp` to S3Proxy           - what people script today
#   (c) backup-job to S3Proxy, zstd, --verify full               - ours
#   (d) backup-job to file://, no compression, --verify full     - ours, no store overhead
# at 256 MiB and 1 GiB of Kubernetes-like (compressible JSON) values. Prints seconds, peak RSS and the ratios.
# Usage: bench/backup-bench.sh [REPS]   (as root; installs awscli with apt if missing). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
BIN=$CACHE/etcd/3.5.30
W=$(mktemp -d /tmp/etcd-ops-bench.XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
command -v aws >/dev/null || { apt-get update -qq && apt-get install -y -qq awscli >/dev/null; }
./mvnw -B -q -Dmaven.test.skip=true -pl backup-job,testkit -am install
./mvnw -B -q -pl testkit dependency:build-classpath -Dmdep.outputFile="$W/cp.txt" >/dev/null
CP="testkit/target/classes:$(cat "$W/cp.txt")"

# S3Proxy (a real S3 API server) on a filesystem backend
S3PORT=39123
mkdir -p "$W/s3/bench"
cat > "$W/s3.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$W/s3
CONF
java -jar "$CACHE/s3proxy/s3proxy-4.1.0-jar-with-dependencies.jar" --properties "$W/s3.conf" > "$W/s3.log" 2>&1 & PIDS+=($!)
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$S3PORT) 2>/dev/null && break; sleep 0.2; done

# 3-member etcd
IC="b0=http://127.0.0.1:39202,b1=http://127.0.0.1:39204,b2=http://127.0.0.1:39206"
EP="http://127.0.0.1:39201,http://127.0.0.1:39203,http://127.0.0.1:39205"
for i in 0 1 2; do
  c=$((39201 + 2*i)); p=$((39202 + 2*i))
  "$BIN/etcd" --name b$i --data-dir "$W/b$i" --listen-client-urls http://127.0.0.1:$c --advertise-client-urls http://127.0.0.1:$c \
    --listen-peer-urls http://127.0.0.1:$p --initial-advertise-peer-urls http://127.0.0.1:$p --initial-cluster "$IC" \
    --snapshot-count 10000 --quota-backend-bytes 8589934592 --log-level error > "$W/b$i.log" 2>&1 & PIDS+=($!)
done
for _ in $(seq 1 100); do "$BIN/etcdctl" --endpoints "$EP" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
FOLLOWER=$("$BIN/etcdctl" --endpoints "$EP" endpoint status -w json | python3 -c 'import json,sys
for e in json.load(sys.stdin):
    h=e["Status"]["header"]
    if e["Status"]["leader"] != h["member_id"]:
        print(e["Endpoint"]); break')

measure() { # label cmd... -> prints "label seconds rss_mib"
  local label=$1; shift
  local t0 t1; t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$W/rss" "$@" > "$W/out.log" 2>&1 || { echo "FAILED: $label"; tail -5 "$W/out.log"; exit 1; }
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(( $(cat "$W/rss") / 1024 ))"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

JAR=backup-job/target/backup-job.jar
# the JVM flags the images use (see charts / Jib config): small heap, serial GC
JVM_OPTS=${JVM_OPTS:--XX:+UseSerialGC -Xmx128m}
filled=0
for size_mib in ${BENCH_SIZES:-256 1024}; do
  add=$(( (size_mib - filled) * 1024 * 1024 ))
  java -cp "$CP" io.etcdops.testkit.etcd.DataFiller "$EP" "$add" 16384 "$((filled * 64))" > /dev/null
  filled=$size_mib
  db=$("$BIN/etcdctl" --endpoints "$FOLLOWER" endpoint status -w json | grep -o '"dbSize":[0-9]*' | cut -d: -f2)
  echo "== ${size_mib} MiB of values, db $((db / 1048576)) MiB, follower $FOLLOWER, $REPS repetitions"
  : > "$W/results"
  for r in $(seq 1 "$REPS"); do
    rm -f "$W/snap.db"
    measure a "$BIN/etcdctl" --endpoints "$FOLLOWER" snapshot save "$W/snap.db" >> "$W/results"
    rm -f "$W/snap.db"
    measure b bash -c "'$BIN/etcdctl' --endpoints '$FOLLOWER' snapshot save '$W/snap.db' >/dev/null && aws --endpoint-url http://127.0.0.1:$S3PORT s3 cp '$W/snap.db' s3://bench/plain/snap-$r.db --only-show-errors" >> "$W/results"
    measure c java $JVM_OPTS -jar "$JAR" --endpoints "$EP" --store s3://bench/etcd-ops --s3-endpoint http://127.0.0.1:$S3PORT --s3-path-style \
      --compression zstd --verify full --spool-dir "$W" >> "$W/results"
    measure d java $JVM_OPTS -jar "$JAR" --endpoints "$EP" --store "file://$W/filestore" --compression none --verify full --spool-dir "$W" >> "$W/results"
    measure start java $JVM_OPTS -jar "$JAR" --endpoints "$EP" --store "file://$W/filestore" --dry-run >> "$W/results"
  done
  for l in a b c d start; do
    printf '%s time %s s, peak RSS %s MiB\n' "$l" "$(awk -v l=$l '$1==l{print $2}' "$W/results" | median)" \
      "$(awk -v l=$l '$1==l{print $3}' "$W/results" | sort -n | tail -1)"
  done | tee "$W/summary"
  ta=$(awk '$1=="a"{print $3}' "$W/summary"); tb=$(awk '$1=="b"{print $3}' "$W/summary")
  tc=$(awk '$1=="c"{print $3}' "$W/summary"); td=$(awk '$1=="d"{print $3}' "$W/summary")
  echo "ratio (c)/(b) = $(echo "scale=2; $tc / $tb" | bc)  (target <= 0.5)"
  echo "ratio (d)/(a) = $(echo "scale=2; $td / $ta" | bc)  (target <= 1.1)"
  ls -l "$W/filestore"/etcd/*.db 2>/dev/null | tail -1 | awk '{print "stored object (none):", $5}'
  aws --endpoint-url http://127.0.0.1:$S3PORT s3 ls s3://bench/etcd-ops/etcd/ | grep '\.db' | tail -1 | awk '{print "stored object (zstd):", $3}'
  rm -rf "$W/filestore"
done
