# Sourced by the bench scripts: the launcher's environment (bin/env.sh: malloc settings, threads, offline
# DJL), compiled bench classes, and bench_java MAIN ARGS... to run a bench main with them.
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find proto/src server/src/main bench/src bench/pom.xml -newer bench/target/classpath.txt -type f -print -quit)" ]; then
  mvn -B -q -pl proto,server,bench compile dependency:build-classpath \
    -Dmdep.outputFile="$ABLSERVE_ROOT/bench/target/classpath.txt" >&2
fi
bench_java() {
  local main="$1"; shift
  # shellcheck disable=SC2086
  java $ABLSERVE_JVM_OPTS ${BENCH_JVM_OPTS:-} \
    -cp "bench/target/classes:server/target/classes:proto/target/classes:$(cat bench/target/classpath.txt)" \
    "io.ablserve.bench.$main" "$@"
}
