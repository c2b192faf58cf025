#!/usr/bin/env bash
# Crash bench (#15): the server with two 1-thread CPU slots in process isolation, 6 small sessions queued and
# a random worker killed with SIGKILL every 20 s; every session must end SUCCEEDED with a gap-free event log,
# and (first pass, no kills, same seeds) with its unkilled run's CA/ASR. DEVICE=gpu: --slots gpu:0*2 (two
# sessions sharing GPU 0). Options: bench/src/main/java/io/ablserve/bench/WorkerCrashBench.java (--help), e.g.
# bench/worker-crash.sh --sessions 6 --kill-seconds 6 --train-limit 500. Appends a JSON line to
# bench/results/worker-crash.jsonl. Exits 1 on a failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ablserve_ensure_dataset
slots=cpu:1,cpu:1
if [ "${DEVICE:-cpu}" = gpu ]; then slots='gpu:0*2'; fi
BENCH_LABEL="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" bench_java WorkerCrashBench --slots "$slots" "$@"
