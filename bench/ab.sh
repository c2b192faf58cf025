#!/usr/bin/env bash
# A/B of the training core: the DJL micro benchmark (SpeedBench micro) with the server classes of git
# revision BASE and with the working tree's, alternating BASE, HEAD, BASE, HEAD... in one invocation so
# both see the same machine load. Each side runs its own bench classes (BASE must have SpeedBench).
# On a shared machine run it with ABLSERVE_THREADS=1 and read the cpu columns: with one intra-op thread
# every kernel runs on the calling thread, whose CPU time measures the work whatever else runs.
# Usage: bench/ab.sh BASE [ROUNDS] -- [SpeedBench micro options]   (rows: bench/results/ab.jsonl)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
base="$1"; shift
rounds=2
if [ "${1:-}" != "--" ] && [ -n "${1:-}" ]; then rounds="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
dir="bench/target/ab-$(git rev-parse --short "$base")"
if [ ! -d "$dir/bench/target/classes" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  git archive "$base" | tar -x -C "$dir"
  (cd "$dir" && mvn -B -q -o -pl proto,server,bench -am compile) >&2
fi
out=bench/results/ab.jsonl
mkdir -p bench/results
: > "$out"
deps="$(cat bench/target/classpath.txt)"
for round in $(seq "$rounds"); do
  for side in base head; do
    classes=bench/target/classes:server/target/classes:proto/target/classes
    [ "$side" = base ] && classes="$dir/bench/target/classes:$dir/server/target/classes:$dir/proto/target/classes"
    echo "== round $round: $side" >&2
    # shellcheck disable=SC2086
    java $ABLSERVE_JVM_OPTS ${BENCH_JVM_OPTS:-} -cp "$classes:$deps" \
      io.ablserve.bench.SpeedBench micro "$@" 2>/dev/null \
      | sed "s/^{/{\"side\":\"$side\",\"round\":$round,/" | tee -a "$out"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys, collections, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = collections.defaultdict(list)
for r in rows:
    for kind in ("value", "cpu_value"):
        by[(r["model"], r["bench"] + ("" if kind == "value" else " (cpu)"), r["side"])].append(r[kind])
print("| model | figure (unit of SpeedBench) | base | head | head / base |")
print("|---|---|---|---|---|")
for (model, bench) in dict.fromkeys((m, b) for m, b, _ in by):
    b, h = by[(model, bench, "base")], by[(model, bench, "head")]
    mb, mh = statistics.median(b), statistics.median(h)
    print(f"| {model} | {bench} | {mb:.4g} {[round(v, 3) for v in b]} | {mh:.4g} {[round(v, 3) for v in h]} | {mh / mb:.3f} |")
PY
