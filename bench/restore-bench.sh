#!/usr/bin/env bash
# restore-job benchmark (issue: restore-job). A 3-member etcd cluster (ETCD_VERSION, default 3.6.16, 3.5+) with ~1 GiB
# of Kubernetes-like values is backed up to S3Proxy, then restored, side by side in one run, REPS times each, both
# with the etcdutl of that same version:
#   baseline: download the plain snapshot (aws s3 cp), `etcdutl snapshot restore` three times, start the members
#   ours:     restore-job local --all-members (streamed download + verify, three restores in parallel), start the members
# Prints time to healthy, peak RSS and the ratio. Usage: bench/restore-bench.sh [REPS] [ETCD_VERSION] (or env
# ETCD_VERSION; SIZE_MIB env, default 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}; SIZE_MIB=${SIZE_MIB:-1024}
ETCD_VERSION=${2:-${ETCD_VERSION:-3.6.16}}
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
W=$(mktemp -d /tmp/etcd-ops-rbench.XXXX); PIDS=()
trap cleanup EXIT
source bench/lib.sh
[ -x "$BIN/etcdutl" ] || { echo "etcd $ETCD_VERSION has no etcdutl in $BIN: the restore bench needs etcd 3.5+" >&2; exit 2; }
# the images' JVM flags (serial GC, C2 only for the hot loops), with a fixed heap instead of MaxRAMPercentage
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}  # as the images set it
JVM_OPTS=${JVM_OPTS:--XX:+UseSerialGC -Xmx128m -XX:Tier4InvocationThreshold=120000 -XX:Tier4MinInvocationThreshold=60000 -XX:Tier4CompileThreshold=160000 -XX:Tier4BackEdgeThreshold=800000 -Dio.netty.allocator.type=unpooled}
build_tools
start_s3proxy 39124
start_members "$W/orig"; wait_healthy
fill $((SIZE_MIB * 1024 * 1024)) 0
F=$(follower)
"$BIN/etcdctl" --endpoints "$F" snapshot save "$W/plain.db" >/dev/null
aws --endpoint-url http://127.0.0.1:$S3PORT s3 cp "$W/plain.db" s3://bench/plain/snap.db --only-show-errors
java -XX:+UseSerialGC -Xmx128m -jar backup-job/target/backup-job.jar --endpoints "$EP" --store s3://bench/etcd-ops \
  --s3-endpoint http://127.0.0.1:$S3PORT --s3-path-style --spool-dir "$W" > /dev/null 2>&1
echo "== etcd $ETCD_VERSION, db $(( $(stat -c %s "$W/plain.db") / 1048576 )) MiB, $REPS repetitions"
stop_members; rm -rf "$W"/orig* "$W/plain.db"

: > "$W/results"
for r in $(seq 1 "$REPS"); do
  sync  # each method starts with no dirty pages of the previous step to write back
  measure baseline bash -c "
    aws --endpoint-url http://127.0.0.1:$S3PORT s3 cp s3://bench/plain/snap.db '$W/dl.db' --only-show-errors &&
    for i in 0 1 2; do '$BIN/etcdutl' snapshot restore '$W/dl.db' --name b\$i --initial-cluster '$IC' \
      --initial-advertise-peer-urls http://127.0.0.1:\$((39202 + 2*i)) --data-dir '$W/base'\$i >/dev/null 2>&1 || exit 1; done" >> "$W/results"
  t0=$(date +%s.%N); start_members "$W/base"; wait_healthy; t1=$(date +%s.%N)
  echo "baseline-start $(echo "$t1 - $t0" | bc) 0" >> "$W/results"
  stop_members; rm -rf "$W"/base* "$W/dl.db"; sync

  measure ours env PATH="$BIN:$PATH" java $JVM_OPTS -jar restore-job/target/restore-job.jar local \
    --store s3://bench/etcd-ops --s3-endpoint http://127.0.0.1:$S3PORT --s3-path-style --initial-cluster "$IC" --all-members \
    --data-dir-template "$W/ours{name}" --bump-revision 0 --work-dir "$W" >> "$W/results"
  for i in 0 1 2; do mv "$W/oursb$i" "$W/ours$i"; done
  t0=$(date +%s.%N); start_members "$W/ours"; wait_healthy; t1=$(date +%s.%N)
  echo "ours-start $(echo "$t1 - $t0" | bc) 0" >> "$W/results"
  stop_members; rm -rf "$W"/ours*
done
for l in baseline baseline-start ours ours-start; do
  printf '%s %s s, peak RSS %s MiB\n' "$l" "$(awk -v l=$l '$1==l{print $2}' "$W/results" | median)" \
    "$(awk -v l=$l '$1==l{print $3}' "$W/results" | sort -n | tail -1)"
done | tee "$W/summary"
b=$(awk '$1=="baseline"{print $2}' "$W/summary"); bs=$(awk '$1=="baseline-start"{print $2}' "$W/summary")
o=$(awk '$1=="ours"{print $2}' "$W/summary"); os=$(awk '$1=="ours-start"{print $2}' "$W/summary")
echo "time to healthy: baseline $(echo "$b + $bs" | bc) s, restore-job $(echo "$o + $os" | bc) s"
echo "ratio = $(echo "scale=2; ($o + $os) / ($b + $bs)" | bc)  (target <= 0.8)"
