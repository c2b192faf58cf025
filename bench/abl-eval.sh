#!/usr/bin/env bash
# The ABL evaluation grid on Fashion-MNIST (Debian dataset-fashion-mnist), in process, one JVM per run:
#   five attacks at 10% poisoning x {no defence, ABL defaults, ABL as the paper specifies it (global
#   ranking at T_te, GGA, no expansion or filtering), the official code's recipe}, and BadNets / Blend at 1%
#   and 50% x {no defence, ABL defaults}.
# Rows go to bench/results/abl-eval.jsonl; bench/abl_table.py turns them into the tables of RESULTS.md.
# Size: TRAIN_LIMIT (default 10000) training and TEST_LIMIT (2000) test images, the default 10 epochs.
# JOBS runs (default: one per core) go at once, each on ABLSERVE_THREADS=1 intra-op thread. APPEND=1 keeps
# the rows already in the results file; SKIP is a regex of run labels not to run (e.g. those kept).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results/abl-eval.jsonl
mkdir -p bench/results bench/target/abl-eval
[ "${APPEND:-0}" = 1 ] || : > "$out"
export TRAIN_LIMIT="${TRAIN_LIMIT:-10000}" TEST_LIMIT="${TEST_LIMIT:-2000}" SEED="${SEED:-1}"
export ABLSERVE_THREADS="${ABLSERVE_THREADS:-1}"
bench/run-eval.sh --help > /dev/null # compiles once, before the parallel runs
paper="--ranking GLOBAL --no-isolate-early --no-expand --no-filter --final-decay-epochs 0"
official="$paper --mode FINETUNE_THEN_ASCENT"
{
  # SIG is clean-label: it can only poison target-class images, about 10% of the data, so it gets 8%.
  for attack in BADNETS BLEND TROJAN SIG WANET; do
    rate=0.1; [ "$attack" = SIG ] && rate=0.08
    echo "$attack none|--attack $attack --poison-rate $rate --defense NONE"
    echo "$attack abl|--attack $attack --poison-rate $rate"
    echo "$attack abl-paper|--attack $attack --poison-rate $rate $paper"
    echo "$attack official|--attack $attack --poison-rate $rate $official"
  done
  for attack in BADNETS BLEND; do
    for rate in 0.01 0.5; do
      echo "$attack@$rate none|--attack $attack --poison-rate $rate --defense NONE"
      echo "$attack@$rate abl|--attack $attack --poison-rate $rate"
    done
  done
} | grep -Ev "^(${SKIP:-^$})\|" | xargs -d '\n' -P "${JOBS:-$(nproc)}" -I{} bash -c '
  label="${1%%|*}"; args="${1#*|}"; log="bench/target/abl-eval/${label// /_}.log"
  echo "== $label" >&2
  # shellcheck disable=SC2086
  bench/run-eval.sh --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --seed "$SEED" --label "$label" \
    --results bench/results/abl-eval.jsonl $args > "$log" 2>&1 || { echo "FAILED: $label (see $log)" >&2; exit 255; }
' _ {}
python3 bench/abl_table.py "$out"
