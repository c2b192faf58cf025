#!/usr/bin/env bash
# Runs one in-process ABL evaluation (bench/src/main/java/io/ablserve/bench/AblEval.java); args: --help.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find server/src/main bench/src -newer bench/target/classpath.txt -type f -print -quit)" ]; then
  mvn -B -q -o -pl proto,server,bench compile dependency:build-classpath \
    -Dmdep.outputFile="$ABLSERVE_ROOT/bench/target/classpath.txt" >&2
fi
# shellcheck disable=SC2086
exec java $ABLSERVE_JVM_OPTS -cp "bench/target/classes:server/target/classes:proto/target/classes:$(cat bench/target/classpath.txt)" io.ablserve.bench.AblEval "$@"
