#!/usr/bin/env bash
# backup-job benchmark (issue: backup-job). Side by side, in one run, on the same 3-member etcd cluster (ETCD_VERSION,
# default 3.6.16; the etcdctl of the same version makes the baselines):
#   (a) etcdctl snapshot save to local disk                      - the limit
#   (b) etcdctl snapshot save + `aws s3 cp` to S3Proxy           - what people script today
#   (c) backup-job to S3Proxy, zstd, --verify full               - ours
#   (d) backup-job to file://, no compression, --verify full     - ours, no store overhead
#   (e) bench/baseline/PlainGrpcSnapshotSave: grpc-java stub -> file + fsync - a plain JVM receiver, no checks
#   (f) the same with a sha256 of every byte                     - what a JVM pays for etcd's trailer check alone
# at 256 MiB and 1 GiB of Kubernetes-like (compressible JSON) values. Prints seconds, peak RSS and the ratios.
# Usage: bench/backup-bench.sh [REPS] [ETCD_VERSION]   (or env ETCD_VERSION; BENCH_SIZES="256 1024"; as root;
# installs awscli with apt if missing). Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
ETCD_VERSION=${2:-${ETCD_VERSION:-3.6.16}}
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
W=$(mktemp -d /tmp/etcd-ops-bench.XXXX); PIDS=()
trap cleanup EXIT
source bench/lib.sh
build_tools
start_s3proxy 39123
start_members "$W/b"; wait_healthy
FOLLOWER=$(follower)
JAR=backup-job/target/backup-job.jar
# the JVM baselines (e)/(f): compiled against the job's own jar (same gRPC, Netty and etcd stubs), run with its flags
mkdir -p "$W/baseline" && javac -d "$W/baseline" -cp "$JAR" bench/baseline/PlainGrpcSnapshotSave.java
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}  # as the images set it
# the image's CDS archive, mapped (BENCH_CDS=0: without, as Runs 1-15)
CDS_OPTS=""
if [ "${BENCH_CDS:-1}" = 1 ]; then
  dump_cds_archive "$JAR"
  CDS_OPTS="-XX:SharedArchiveFile=$W/backup-job.jsa"
fi
# the images' flags; BENCH_JVM_EXTRA: flags appended (the last of a repeated flag wins), e.g. the previous C2 thresholds
JVM_OPTS=${JVM_OPTS:-$CDS_OPTS $IMAGE_JVM_FLAGS ${BENCH_JVM_EXTRA:-}}

# sync before each measured step (BENCH_SYNC=0: no sync, as Runs 1-6): a step that leaves gigabytes of dirty pages
# (the AWS CLI's upload lands in S3Proxy's files, which nobody fsyncs) would otherwise have them written back during
# the next step's time. etcdctl and backup-job's file:// store fsync their own output, so each method still pays for
# its own writes.
settle() { if [ "${BENCH_SYNC:-1}" = 1 ]; then sync; fi; }
# Each step's outputs are removed after it, outside the timing, so every step starts with the same page cache: on
# this VM, writing into fresh page-cache pages costs 1-3 s of system CPU per GB more when other files hold gigabytes
# of it (measured: (c) 5.2-5.6 s alone, 7.0-7.6 s with one extra 1.2 GB file kept). Before Run 12 the outputs of (b)
# and (d) were kept until the end of a db size. BENCH_KEEP=1 keeps them.
outputs() {
  ls "$W"/filestore/etcd/*.db 2>/dev/null | head -1 | xargs -r stat -c %s > "$W/size-none.tmp" && [ -s "$W/size-none.tmp" ] && mv "$W/size-none.tmp" "$W/size-none"
  find "$W/s3/bench/etcd-ops" -name '*.zst' -printf '%s\n' 2>/dev/null | head -1 > "$W/size-zstd.tmp" && [ -s "$W/size-zstd.tmp" ] && mv "$W/size-zstd.tmp" "$W/size-zstd"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then return; fi
  rm -rf "$W/snap.db" "$W/filestore" "$W/s3/bench/plain" "$W/s3/bench/etcd-ops"
}

filled=0
for size_mib in ${BENCH_SIZES:-256 1024}; do
  fill $(( (size_mib - filled) * 1024 * 1024 )) $((filled * 64)); filled=$size_mib
  db=$("$BIN/etcdctl" --endpoints "$FOLLOWER" endpoint status -w json | grep -o '"dbSize":[0-9]*' | cut -d: -f2)
  echo "== etcd $ETCD_VERSION, ${size_mib} MiB of values, db $((db / 1048576)) MiB, follower $FOLLOWER, $REPS repetitions"
  : > "$W/results"
  for r in $(seq 1 "$REPS"); do
    settle; measure a "$BIN/etcdctl" --endpoints "$FOLLOWER" snapshot save "$W/snap.db" >> "$W/results"
    outputs
    settle; measure b bash -c "'$BIN/etcdctl' --endpoints '$FOLLOWER' snapshot save '$W/snap.db' >/dev/null && aws --endpoint-url http://127.0.0.1:$S3PORT s3 cp '$W/snap.db' s3://bench/plain/snap-$r.db --only-show-errors" >> "$W/results"
    outputs
    settle; measure c java $JVM_OPTS -jar "$JAR" --endpoints "$EP" --store s3://bench/etcd-ops --s3-endpoint http://127.0.0.1:$S3PORT --s3-path-style \
      --compression zstd --verify full --spool-dir "$W" >> "$W/results"
    outputs
    settle; measure d java $JVM_OPTS -jar "$JAR" --endpoints "$EP" --store "file://$W/filestore" --compression none --verify full --spool-dir "$W" >> "$W/results"
    outputs
    settle; measure e java $JVM_OPTS -cp "$JAR:$W/baseline" PlainGrpcSnapshotSave "$FOLLOWER" "$W/snap.db" >> "$W/results"
    outputs
    settle; measure f java $JVM_OPTS -cp "$JAR:$W/baseline" PlainGrpcSnapshotSave "$FOLLOWER" "$W/snap.db" --sha256 >> "$W/results"
    outputs
    settle; measure start java $JVM_OPTS -jar "$JAR" --endpoints "$EP" --store "file://$W/filestore" --dry-run >> "$W/results"
  done
  echo "each repetition (label, seconds, peak RSS MiB):"; paste -d' ' - - - - - - - < "$W/results" | sed 's/^/  /'
  for l in a b c d e f start; do
    printf '%s time %s s, peak RSS %s MiB (median %s)\n' "$l" "$(awk -v l=$l '$1==l{print $2}' "$W/results" | median)" \
      "$(awk -v l=$l '$1==l{print $3}' "$W/results" | sort -n | tail -1)" "$(awk -v l=$l '$1==l{print $3}' "$W/results" | median)"
  done | tee "$W/summary"
  ta=$(awk '$1=="a"{print $3}' "$W/summary"); tb=$(awk '$1=="b"{print $3}' "$W/summary")
  tc=$(awk '$1=="c"{print $3}' "$W/summary"); td=$(awk '$1=="d"{print $3}' "$W/summary")
  te=$(awk '$1=="e"{print $3}' "$W/summary"); tf=$(awk '$1=="f"{print $3}' "$W/summary")
  echo "ratio (c)/(b) = $(echo "scale=2; $tc / $tb" | bc)  (target <= 0.5)"
  echo "ratio (d)/(a) = $(echo "scale=2; $td / $ta" | bc)  (target <= 1.1)"
  echo "ratio (e)/(a) = $(echo "scale=2; $te / $ta" | bc)  (a plain grpc-java receiver, no checks)"
  echo "ratio (f)/(a) = $(echo "scale=2; $tf / $ta" | bc)  (the same + sha256 of every byte)"
  echo "ratio (d)/(f) = $(echo "scale=2; $td / $tf" | bc)  (backup-job, every check, against the plain receiver with the sha256 alone)"
  echo "stored object (none): $(cat "$W/size-none")"
  echo "stored object (zstd): $(cat "$W/size-zstd")"
done
