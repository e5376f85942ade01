# Shared helpers for the bench/*.sh scripts (sourced). Needs: CACHE, W (work dir), PIDS array.
# ETCD_VERSION: the etcd the cluster runs, and whose etcdctl/etcdutl the baselines use (default 3.6.16, etcd 3.5+:
# restore needs etcdutl); BIN overrides the folder
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
BIN=${BIN:-$CACHE/etcd/$ETCD_VERSION}
[ -x "$BIN/etcd" ] && [ -x "$BIN/etcdctl" ] || { echo "no etcd $ETCD_VERSION in $BIN (scripts/build-etcd.sh builds it)" >&2; exit 2; }

# the scripts' EXIT trap: stops every server they started (waited for, so bash prints no "Killed" line) and removes W
cleanup() { for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$W"; }

# the images' JVM flags (pom.xml, jib jvmFlags) under the chart's default memory limit for backup-job (768Mi): the
# heap is 75% of MaxRAM, as a container limit would set it
IMAGE_JVM_FLAGS="-XX:MaxRAM=805306368 -XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:NewRatio=4 -XX:+ExitOnOutOfMemoryError -XX:Tier4InvocationThreshold=120000 -XX:Tier4MinInvocationThreshold=60000 -XX:Tier4CompileThreshold=160000 -XX:Tier4BackEdgeThreshold=800000 -Dio.netty.allocator.type=unpooled"

# the backup-job image's CDS archive (scripts/image-cds.sh): the same class list dumped for this jar by this JVM into
# $W/backup-job.jsa, to be mapped with -XX:SharedArchiveFile as the image's entrypoint maps its own
dump_cds_archive() { # jar
  java -Xshare:dump -XX:SharedClassListFile=backup-job/src/main/cds/backup-job.classlist -XX:SharedArchiveFile="$W/backup-job.jsa" \
    -XX:+UseSerialGC -Xlog:cds=off -cp "$1" > "$W/cds.log" 2>&1 || { echo "CDS dump failed" >&2; tail -5 "$W/cds.log" >&2; exit 1; }
}

start_s3proxy() { # port -> S3Proxy on a filesystem backend, bucket "bench"
  S3PORT=$1
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
}

# 3 members b0..b2 on ports 39201..39206; IC and EP exported
IC="b0=http://127.0.0.1:39202,b1=http://127.0.0.1:39204,b2=http://127.0.0.1:39206"
EP="http://127.0.0.1:39201,http://127.0.0.1:39203,http://127.0.0.1:39205"
MEMBER_PIDS=()
start_members() { # datadir-prefix
  MEMBER_PIDS=()
  for i in 0 1 2; do
    local c=$((39201 + 2*i)) p=$((39202 + 2*i))
    "$BIN/etcd" --name b$i --data-dir "$1$i" --listen-client-urls http://127.0.0.1:$c --advertise-client-urls http://127.0.0.1:$c \
      --listen-peer-urls http://127.0.0.1:$p --initial-advertise-peer-urls http://127.0.0.1:$p --initial-cluster "$IC" \
      --snapshot-count 10000 --quota-backend-bytes 8589934592 --log-level error > "$W/b$i.log" 2>&1 & MEMBER_PIDS+=($!); PIDS+=($!)
  done
}
wait_healthy() { for _ in $(seq 1 300); do "$BIN/etcdctl" --endpoints "$EP" endpoint health >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not healthy" >&2; return 1; }
stop_members() { for p in "${MEMBER_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; MEMBER_PIDS=(); }

follower() {
  "$BIN/etcdctl" --endpoints "$EP" endpoint status -w json | python3 -c 'import json,sys
for e in json.load(sys.stdin):
    if e["Status"]["leader"] != e["Status"]["header"]["member_id"]:
        print(e["Endpoint"]); break'
}

measure() { # label cmd... -> appends "label seconds rss_mib"
  local label=$1; shift
  local t0 t1; t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$W/rss" "$@" > "$W/out.log" 2>&1 || { echo "FAILED: $label" >&2; tail -5 "$W/out.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(( $(cat "$W/rss") / 1024 ))"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
fill() { # bytes offset
  java -cp "$CP" io.etcdops.testkit.etcd.DataFiller "$EP" "$1" 16384 "$2" > /dev/null
}
build_tools() {
  command -v aws >/dev/null || { apt-get update -qq && apt-get install -y -qq awscli >/dev/null; }
  ./mvnw -B -q -Dmaven.test.skip=true -pl backup-job,restore-job,testkit -am install
  ./mvnw -B -q -pl testkit dependency:build-classpath -Dmdep.outputFile="$W/cp.txt" >/dev/null
  CP="testkit/target/classes:$(cat "$W/cp.txt")"
}
