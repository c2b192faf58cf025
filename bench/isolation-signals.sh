#!/usr/bin/env bash
# Every isolation signal side by side at ABL's turn (bench/src/main/java/io/ablserve/bench/SignalEval.java):
# one row per cell, appended to bench/results/isolation-signals.jsonl; bench/isolation_signals.py tabulates.
# Args: the cells, each "ATTACK RATE TARGET SEED" (default: the grid in bench/RESULTS.md, "isolation
# signals"). ABLSERVE_THREADS sets the intra-op threads; JOBS runs that many cells at once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
results="${RESULTS:-bench/results/isolation-signals.jsonl}"
cells=("$@")
if [ ${#cells[@]} -eq 0 ]; then
  cells=("BADNETS 0.05 0 1" "BADNETS 0.1 2 2" "BLEND 0.05 1 1" "BLEND 0.1 2 1" "BLEND 0.2 1 1"
         "TROJAN 0.05 3 2" "TROJAN 0.1 4 1" "SIG 0.05 2 1" "WANET 0.1 3 2" "NONE 0.1 0 1")
fi
run_cell() {
  read -r attack rate target seed <<< "$1"
  bench_java SignalEval --train-limit "${TRAIN_LIMIT:-10000}" --test-limit "${TEST_LIMIT:-2000}" --attack "$attack" --poison-rate "$rate" --target "$target" --seed "$seed" \
    --label "$attack@$rate t$target s$seed" --results "$results" > "bench/target/signals-${1// /_}.log" 2>&1 \
    && echo "done $1" || echo "FAILED $1 (bench/target/signals-${1// /_}.log)"
}
export -f run_cell bench_java
export results ABLSERVE_JVM_OPTS
printf '%s\n' "${cells[@]}" | xargs -d '\n' -P "${JOBS:-1}" -I{} bash -c 'run_cell "$1"' _ {}
