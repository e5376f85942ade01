#!/usr/bin/env bash
# backup-job start-up (issue: backup-job, target "JVM start to first etcd RPC <= 1 s"). On a 3-member etcd 3.6.16
# cluster, for `backup-job --dry-run` with the images' JVM flags, with and without the image's CDS archive, and for
# `etcdctl endpoint status` as the baseline: the time from the process's execve to its first connect() to an etcd
# client port (the first RPC goes out on that connection), and to its exit. Traced with `strace -f --seccomp-bpf
# -e trace=execve,connect` (only those two syscalls stop the process). Prints medians and every repetition.
# Usage: bench/start-latency.sh [REPS]   (as root). Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
W=$(mktemp -d /tmp/etcd-ops-start.XXXX); PIDS=()
trap cleanup EXIT
source bench/lib.sh
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
./mvnw -B -q -Dmaven.test.skip=true -pl backup-job -am install
start_members "$W/b"; wait_healthy
JAR=backup-job/target/backup-job.jar
export MALLOC_ARENA_MAX=2  # as the images set it
dump_cds_archive "$JAR"

trace() { # label cmd... -> "label first-connect-seconds exit-seconds"
  local label=$1; shift
  local t1
  strace -f --seccomp-bpf -ttt -e trace=execve,connect -o "$W/trace" "$@" > "$W/out.log" 2>&1 || { echo "FAILED: $label" >&2; tail -5 "$W/out.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v l="$label" -v end="$t1" '
    / execve\(/ && !t0 { t0 = $2 }
    / connect\(/ && /htons\(3920[135]\)/ && !tc { tc = $2 }
    END { if (!tc) { print "no connect to etcd in the trace" > "/dev/stderr"; exit 1 } printf "%s %.3f %.3f\n", l, tc - t0, end - t0 }' "$W/trace"
}

: > "$W/results"
for r in $(seq 1 "$REPS"); do
  trace etcdctl "$BIN/etcdctl" --endpoints "$EP" endpoint status >> "$W/results"
  trace cds java -XX:SharedArchiveFile="$W/backup-job.jsa" $IMAGE_JVM_FLAGS -jar "$JAR" --endpoints "$EP" --store "file://$W/store" --dry-run >> "$W/results"
  trace no-cds java $IMAGE_JVM_FLAGS -jar "$JAR" --endpoints "$EP" --store "file://$W/store" --dry-run >> "$W/results"
done
echo "each repetition (label, exec->first connect to etcd, exec->exit; seconds):"; sed 's/^/  /' "$W/results"
for l in etcdctl cds no-cds; do
  printf '%-8s exec -> first etcd connect %s s (max %s), exec -> exit %s s\n' "$l" \
    "$(awk -v l=$l '$1==l{print $2}' "$W/results" | median)" "$(awk -v l=$l '$1==l{print $2}' "$W/results" | sort -n | tail -1)" \
    "$(awk -v l=$l '$1==l{print $3}' "$W/results" | median)"
done
echo "target: backup-job exec -> first etcd RPC <= 1 s"
