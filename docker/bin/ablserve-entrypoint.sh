#!/bin/sh
# Container entrypoint: resolves the settings, applies the launcher's JVM and malloc settings (bin/env.sh;
# measured in shared/BUILD-NOTES.md), then runs the server. Arguments are passed on as server flags.
set -eu
# shellcheck source=docker/bin/ablserve-config.sh
. "${ABLSERVE_HOME:-/opt/ablserve}/bin/ablserve-config.sh"

# glibc malloc otherwise maps and unmaps activation buffers every batch; these keep them in the arena.
# 128 MiB: a batch of 512 WRN-16-1 eval images has 33.5 MB activations (bench/RESULTS.md, issue #8).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-134217728}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"
export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"
# nproc sees the container's cpuset, not a CPU quota: set ABLSERVE_THREADS under a quota (--cpus, limits).
ABLSERVE_THREADS="${ABLSERVE_THREADS:-$(nproc)}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$ABLSERVE_THREADS}"

# shellcheck disable=SC2086 # ABLSERVE_JVM_OPTS is a list of flags, split on purpose.
exec java \
  -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="$ABLSERVE_THREADS" \
  -Dai.djl.pytorch.num_interop_threads=1 \
  ${ABLSERVE_JVM_OPTS:-} \
  -jar "$ABLSERVE_HOME/ablserve-server.jar" "$@"
