#!/usr/bin/env bash
# Adds a class-data-sharing (CDS) archive to a job image that Jib built as a tar, in place:
#   podman load TAR -> podman build: one layer with /app/cds/<job>.jsa, dumped in the image by the image's own JVM from
#   the job's class list (java -Xshare:dump), and the entrypoint gains -XX:SharedArchiveFile -> podman save TAR.
# The archive must be dumped by the JVM that will map it (same build) with the same class path, which only the image
# has: Jib does not run anything, hence this step after it. The image's config stays as Jib made it otherwise (user,
# labels, env); its creation time is TIMESTAMP (the project's build timestamp: reproducible).
# A JVM that cannot map the archive (another JDK build, a flag that changes the layout) runs silently without any CDS,
# the JDK's default archive included: slower to start, nothing else; ImageSmokeIT maps it with -Xshare:on.
# Usage: scripts/image-cds.sh IMAGE_TAR CLASS_LIST TIMESTAMP   (TIMESTAMP: ISO-8601, e.g. 2026-11-24T00:00:00Z)
# Needs podman (with runc) and root, as the images profile does. Called by backup-job's pom with -Pimages,cds (root pom).
# A release that pushes with jib:build gets no archive; push the image this script leaves in podman instead.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 IMAGE_TAR CLASS_LIST TIMESTAMP" >&2; exit 2; }
TAR=$1; LIST=$2; EPOCH=$(date -d "$3" +%s)
[ -s "$TAR" ] || { echo "image-cds: no image tar at $TAR (-Pcds needs -Pimages)" >&2; exit 2; }
[ -s "$LIST" ] || { echo "image-cds: no class list at $LIST" >&2; exit 2; }
step() { echo "==> [image-cds] $*" >&2; }

REF=$(podman load -q -i "$TAR" | sed -n 's/^Loaded image: //p' | head -1)
[ -n "$REF" ] || { echo "image-cds: podman load of $TAR named no image" >&2; exit 1; }
JOB=$(basename "${REF%%:*}")
ARCHIVE=/app/cds/$JOB.jsa
CLASSLIST=/app/cds/$JOB.classlist
ENTRY=$(podman image inspect "$REF" --format '{{json .Config.Entrypoint}}')
case "$ENTRY" in
  '["java",'*'"-cp","@/app/jib-classpath-file",'*) ;;
  *) echo "image-cds: $REF's entrypoint is not Jib's java command: $ENTRY" >&2; exit 1 ;;
esac
if [[ "$ENTRY" == *SharedArchiveFile* ]]; then step "$REF already has a CDS archive"; exit 0; fi
# the dump runs the entrypoint's JVM flags (GC, heap settings: what the archive's layout depends on) without the main class
DUMP=$(sed "s|,\"-cp\",\"@/app/jib-classpath-file\",.*\$|,\"-Xshare:dump\",\"-XX:SharedClassListFile=$CLASSLIST\",\"-XX:SharedArchiveFile=$ARCHIVE\",\"-Xlog:cds=off\",\"-cp\",\"@/app/jib-classpath-file\"]|" <<< "$ENTRY")
NEW_ENTRY=$(sed "s|^\\[\"java\",|[\"java\",\"-XX:SharedArchiveFile=$ARCHIVE\",|" <<< "$ENTRY")
USER_=$(podman image inspect "$REF" --format '{{.Config.User}}')

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
cp "$LIST" "$ctx/classlist"
cat > "$ctx/Containerfile" <<EOF
FROM $REF
COPY classlist $CLASSLIST
USER 0:0
RUN $DUMP
USER $USER_
ENTRYPOINT $NEW_ENTRY
EOF
start=$(date +%s); before=$(podman image inspect "$REF" --format '{{.Size}}')
podman build -q --runtime runc --network none --format docker --timestamp "$EPOCH" -t "$REF" -f "$ctx/Containerfile" "$ctx" >/dev/null
podman save -q --format docker-archive -o "$TAR.cds" "$REF"
mv "$TAR.cds" "$TAR"
after=$(podman image inspect "$REF" --format '{{.Size}}')
step "$REF: $ARCHIVE from $(grep -vc '^#' "$LIST") class-list entries, +$(( (after - before) / 1048576 )) MiB, $(( $(date +%s) - start ))s"
