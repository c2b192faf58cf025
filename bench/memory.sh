#!/usr/bin/env bash
# The server's memory over a 20-epoch ABL session and over 10 sessions in a row, in one JVM with the
# launcher's settings (bin/env.sh) and Native Memory Tracking on: RSS, the JVM's committed native memory,
# the Java heap in use and DJL's live NDArrays, sampled after a full GC at every epoch of the long session
# and after every session of the series. Rows: bench/results/memory.jsonl (replaced).
# Sizes (env): TRAIN 10000, EPOCHS 20, SESSIONS 10. --quick: tiny sizes (~1 minute).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ "${1:-}" = "--quick" ]; then
  : "${TRAIN:=1000}" "${TEST:=200}" "${EPOCHS:=6}" "${ISOLATION_EPOCHS:=2}" "${WARMUP_EPOCHS:=3}" "${SESSIONS:=4}"
fi
out=bench/results/memory.jsonl
mkdir -p bench/results
: > "$out"
ablserve_ensure_dataset
BENCH_JVM_OPTS="-XX:NativeMemoryTracking=summary ${BENCH_JVM_OPTS:-}" bench_java MemoryBench \
  --train "${TRAIN:-10000}" --test "${TEST:-1000}" --epochs "${EPOCHS:-20}" \
  --isolation-epochs "${ISOLATION_EPOCHS:-5}" --warmup-epochs "${WARMUP_EPOCHS:-6}" \
  --sessions "${SESSIONS:-10}" --results "$out" | grep -v '^{' || true
/usr/bin/python3 - "$out" <<'PY'
import json, sys
print("| run | samples (warm-up) | RSS after warm-up | RSS drift | RSS spread | NMT drift | heap drift | heap committed drift | live NDArrays |")
print("|---|---|---|---|---|---|---|---|---|")
for r in map(json.loads, open(sys.argv[1])):
    w = r["warmup_samples"]
    print(f"| {r['bench']} | {r['samples']} ({w}) | {r['rss_kb'][min(w, len(r['rss_kb']) - 1)] / 1024:.0f} MiB | "
          f"{r['rss_kb_drift_pct']:+.1f}% | {r['rss_kb_spread_pct']:.1f}% | {r['nmt_committed_kb_drift_pct']:+.1f}% | "
          f"{r['heap_used_kb_drift_pct']:+.1f}% | {r['heap_committed_kb_drift_pct']:+.1f}% | {r['live_ndarrays'][w:]} |")
PY
