#!/usr/bin/env bash
# Regenerates the real etcd snapshot fixtures read by core's bbolt/snapshot tests, one per etcd minor version:
#   etcd-<version>.db    the file `etcdctl snapshot save` wrote (bbolt pages + etcd's 32-byte sha256 trailer)
#   etcd-<version>.json  what etcd itself says about it: revision, live keys, compact revision and the output of
#                        `etcdutl snapshot status -w json` of the same version (3.4: `etcdctl snapshot status`):
#                        hash/revision/totalKey(/version, 3.6+); and as snapshotStatus35 the same from etcdutl
#                        3.5, whose totalKey counts the entries of every bucket (3.6+ count the live keys)
# Run it by hand when a fixture must change; the tests only read the committed files. The page layout depends on
# when etcd grew its db (a run makes 62 or 87 pages); StreamedSnapshotCheckTest's stale-overflow case needs a free
# block right before a used page, which not every run leaves: if that test reports "blocks before a used page that
# are free in the fixture ... 0", make that version's fixture again (VERSIONS=<version>). Needs jq and the etcd
# binaries under ${ETCD_CACHE:-~/.cache/etcd-ops/etcd}/<version>/. Everything listens on 127.0.0.1 only.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ETCD_CACHE=${ETCD_CACHE:-$HOME/.cache/etcd-ops/etcd}
VERSIONS=${VERSIONS:-"3.4.23 3.5.36 3.6.16 3.7.3"}
ETCDUTL35=${ETCDUTL35:-$ETCD_CACHE/3.5.36/etcdutl}

ETCD_PID=""
WORK=""
cleanup() {
    if [ -n "$ETCD_PID" ]; then kill "$ETCD_PID" 2>/dev/null || true; wait "$ETCD_PID" 2>/dev/null || true; fi
    if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
    ETCD_PID=""
    WORK=""
}
trap cleanup EXIT

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        # a successful connect means something listens there
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}

make_fixture() {
    local version=$1 bin="$ETCD_CACHE/$1" cport pport
    WORK=$(mktemp -d)
    cport=$(free_port)
    pport=$(free_port)
    while [ "$pport" = "$cport" ]; do pport=$(free_port); done
    local url="http://127.0.0.1:$cport"
    # ETCDCTL_API=3 only for 3.4 (3.6+ warn about it as an unknown variable)
    ctl() { if [ "${version#3.4.}" != "$version" ]; then ETCDCTL_API=3 "$bin/etcdctl" --endpoints "$url" "$@"; else "$bin/etcdctl" --endpoints "$url" "$@"; fi; }

    "$bin/etcd" --name fixture --data-dir "$WORK/data" \
        --listen-client-urls "$url" --advertise-client-urls "$url" \
        --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "fixture=http://127.0.0.1:$pport" >"$WORK/etcd.log" 2>&1 &
    ETCD_PID=$!
    for _ in $(seq 1 100); do
        ctl endpoint health >/dev/null 2>&1 && break
        sleep 0.1
    done
    ctl endpoint health >/dev/null 2>&1

    # 40 keys, 10 overwrites, 5 deletes, then a 100 KiB value (overflow pages) and a compaction in the middle
    for i in $(seq -f %02g 0 39); do ctl put "/fixture/key-$i" "value-$i" >/dev/null; done
    for i in $(seq -f %02g 0 9); do ctl put "/fixture/key-$i" "value-$i-v2" >/dev/null; done
    for i in $(seq 30 34); do ctl del "/fixture/key-$i" >/dev/null; done
    head -c 102400 /dev/zero | tr '\0' 'b' >"$WORK/big"
    ctl put /fixture/big <"$WORK/big" >/dev/null
    local compact_rev
    compact_rev=$(ctl endpoint status -w json | jq '.[0].Status.header.revision')
    ctl compaction --physical "$compact_rev" >/dev/null
    # after the compaction: more overwrites and a delete, so the key bucket holds a tombstone past the compaction
    for i in $(seq -f %02g 0 4); do ctl put "/fixture/key-$i" "value-$i-v3" >/dev/null; done
    ctl put /fixture/after-compaction "x" >/dev/null
    ctl del /fixture/key-35 >/dev/null

    local revision live
    revision=$(ctl endpoint status -w json | jq '.[0].Status.header.revision')
    live=$(ctl get "" --prefix --keys-only -w json | jq '.count // 0')
    local db="$HERE/etcd-$version.db"
    rm -f "$db"
    ctl snapshot save "$db" >"$WORK/save.log" 2>&1 || { cat "$WORK/save.log" >&2; exit 1; }
    cleanup

    local status status35
    status35=$("$ETCDUTL35" snapshot status "$db" -w json)
    if [ -x "$bin/etcdutl" ]; then
        status=$("$bin/etcdutl" snapshot status "$db" -w json)
    else
        status=$(ETCDCTL_API=3 "$bin/etcdctl" snapshot status "$db" -w json)
    fi
    jq -n --arg version "$version" --argjson revision "$revision" --argjson live "$live" \
        --argjson compact "$compact_rev" --argjson size "$(stat -c %s "$db")" --argjson status "$status" --argjson status35 "$status35" \
        '{etcdVersion: $version, revision: $revision, liveKeys: $live, compactRevision: $compact,
          fileSize: $size, snapshotStatus: $status, snapshotStatus35: $status35}' >"$HERE/etcd-$version.json"
    echo "wrote $db ($(stat -c %s "$db") bytes) and etcd-$version.json"
}

for v in $VERSIONS; do
    make_fixture "$v"
done
