#!/usr/bin/env bash
# etcd-ops quick start: builds the tools, starts a local 3-member etcd, writes sample data, backs it up with
# backup-job into a local folder, destroys the cluster, restores it with restore-job and shows the data back.
# Everything lives under ./demo-work; run as root on a fresh Debian/Ubuntu machine (it installs etcd if missing).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
WORK=$ROOT/demo-work
CACHE=${ETCD_OPS_CACHE:-$HOME/.cache/etcd-ops}
VERSION=${ETCD_VERSION:-3.6.16}
BIN=$CACHE/etcd/$VERSION
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
PIDS=()
cleanup() { # SIGKILL and wait: a member that is still shutting down would hold its ports
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

say "1/8 etcd $VERSION binaries"
if [ ! -x "$BIN/etcd" ] || [ ! -x "$BIN/etcdutl" ]; then ./scripts/install-test-deps.sh --etcd-only; fi
"$BIN/etcd" --version | head -1

say "2/8 build backup-job and restore-job (./mvnw: needs only a JDK 17)"
command -v javac >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >/dev/null; }
./mvnw -B -q -Dmaven.test.skip=true -pl backup-job,restore-job -am package
BACKUP="java -jar backup-job/target/backup-job.jar"
RESTORE="java -jar restore-job/target/restore-job.jar"

say "3/8 start a local 3-member etcd cluster on 127.0.0.1 (ports 32391-32396)"
for port in 32391 32392 32393 32394 32395 32396; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "port $port is already in use; stop what listens there first" >&2; exit 1; fi
done
rm -rf "$WORK"; mkdir -p "$WORK/backups"
IC="m0=http://127.0.0.1:32392,m1=http://127.0.0.1:32394,m2=http://127.0.0.1:32396"
EP="http://127.0.0.1:32391,http://127.0.0.1:32393,http://127.0.0.1:32395"
start_member() { # name clientport peerport token
  "$BIN/etcd" --name "$1" --data-dir "$WORK/$1.etcd" --listen-client-urls "http://127.0.0.1:$2" \
    --advertise-client-urls "http://127.0.0.1:$2" --listen-peer-urls "http://127.0.0.1:$3" \
    --initial-advertise-peer-urls "http://127.0.0.1:$3" --initial-cluster "$IC" --initial-cluster-token "$4" \
    --initial-cluster-state new --log-level error > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}
start_all() { start_member m0 32391 32392 "$1"; start_member m1 32393 32394 "$1"; start_member m2 32395 32396 "$1"; }
wait_healthy() { for _ in $(seq 1 100); do "$BIN/etcdctl" --endpoints "$EP" endpoint health >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "etcd did not become healthy" >&2; exit 1; }
start_all demo-cluster; wait_healthy
"$BIN/etcdctl" --endpoints "$EP" member list -w table

say "4/8 write sample data"
for i in $(seq 1 20); do "$BIN/etcdctl" --endpoints "$EP" put "/registry/configmaps/default/demo-$i" "{\"kind\":\"ConfigMap\",\"data\":{\"n\":\"$i\"}}" >/dev/null; done
"$BIN/etcdctl" --endpoints "$EP" put /registry/secrets/default/db-password "hunter2" >/dev/null
BEFORE=$("$BIN/etcdctl" --endpoints "$EP" get / --prefix --keys-only | grep -c . || true)
echo "keys written: $BEFORE"

say "5/8 backup-job: snapshot a follower, verify, compress (zstd), encrypt, store in $WORK/backups"
head -c 32 /dev/urandom | base64 > "$WORK/backup.key"
$BACKUP --endpoints "$EP" --store "file://$WORK/backups" --cluster-name demo --encryption-key-file "$WORK/backup.key" \
  --keep-last 3 --output-dir "$WORK/out"
echo "snapshot: $(cat "$WORK/out/snapshot-uri")  revision: $(cat "$WORK/out/revision")"
$BACKUP list --store "file://$WORK/backups" --cluster-name demo

say "6/8 disaster: kill every member and lose all data dirs"
cleanup; PIDS=()
rm -rf "$WORK"/m0.etcd "$WORK"/m1.etcd "$WORK"/m2.etcd
"$BIN/etcdctl" --endpoints "$EP" --dial-timeout 1s get /registry/secrets/default/db-password 2>&1 | tail -1 || true

say "7/8 restore-job local: fetch + verify + restore all 3 members (bump revision, mark compacted, new token)"
PATH="$BIN:$PATH" $RESTORE local --store "file://$WORK/backups" --cluster-name demo --snapshot latest \
  --encryption-key-file "$WORK/backup.key" --initial-cluster "$IC" --all-members \
  --data-dir-template "$WORK/{name}.etcd" --initial-cluster-token demo-restored --output-dir "$WORK/restore-out"

say "8/8 start the restored cluster and read the data back"
start_all demo-restored; wait_healthy
AFTER=$("$BIN/etcdctl" --endpoints "$EP" get / --prefix --keys-only | grep -c . || true)
"$BIN/etcdctl" --endpoints "$EP" get /registry/secrets/default/db-password
echo "keys before: $BEFORE, after restore: $AFTER; revision now $("$BIN/etcdctl" --endpoints "$EP" endpoint status -w json | grep -o '"revision":[0-9]*' | head -1)"
[ "$BEFORE" = "$AFTER" ] || { echo "MISMATCH" >&2; exit 1; }
say "done: the cluster was restored from an encrypted, verified backup (see $WORK)"
