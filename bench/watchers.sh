#!/usr/bin/env bash
# Training speed and step-to-client latency with 0, 1 and 50 WatchSession clients: the real server in process
# (Netty on loopback, the SQLite store, DJL), the same session trained once per watcher count
# (bench/src/main/java/io/ablserve/bench/WatchersBench.java; args: --help). Rows go to
# bench/results/watchers.jsonl (replaced), a table to stdout. Defaults: Fashion-MNIST, 20,000 training images,
# 3 epochs, batch 64, a step event every step; about a minute per configuration on two idle cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
ablserve_ensure_dataset
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find proto/src server/src/main bench/src -newer bench/target/classpath.txt -type f -print -quit)" ]; then
  mvn -B -q -pl proto,server,bench compile dependency:build-classpath \
    -Dmdep.outputFile="$ABLSERVE_ROOT/bench/target/classpath.txt" >&2
fi
out=bench/results/watchers.jsonl
mkdir -p bench/results
: > "$out"
label="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# shellcheck disable=SC2086
exec java $ABLSERVE_JVM_OPTS -cp "bench/target/classes:server/target/classes:proto/target/classes:$(cat bench/target/classpath.txt)" \
  io.ablserve.bench.WatchersBench --label "$label" --results "$out" "$@"
