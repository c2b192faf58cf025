#!/usr/bin/env bash
# The ABL evaluation protocol of issue #13 on Fashion-MNIST (Debian dataset-fashion-mnist): each grid cell is
# a pair of runs with the same data, attack, target, rate and seed, one undefended (DEFENSE_NONE) and one with
# the ABL defaults, so every ABL figure has its own baseline.
#   SPLIT=tuning   targets 0-4, seeds 1-2: the half the defaults may be chosen on.
#   SPLIT=heldout  targets 5-9, seed 3: the half reported, never tuned on.
# The full grid (10 targets x 3 seeds x 5 attacks x 5 rates + clean) is ~1,500 runs, ~50 h on 2 cores, so
# each split runs a fixed sample of it, listed below and in bench/RESULTS.md: BadNets, Blend and Trojan at 5,
# 10 and 20% on rotating targets, SIG, WaNet, 1% and 50% on one target each, and clean data.
# Rows go to bench/results/abl-grid-$SPLIT.jsonl; bench/abl_grid_table.py prints the paired table, worst case
# first. CELLS (lines "ATTACK RATE TARGET SEED") replaces the split's sample, e.g. to rerun cells on other
# seeds (SPLIT then only names the rows file). Size: TRAIN_LIMIT (10000) / TEST_LIMIT (2000) images, the
# default 10 epochs; JOBS runs at once (one per core), each on one intra-op thread. EPOCHS overrides the
# epochs (the tuning runs of RESULTS.md used 6).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
split="${SPLIT:-heldout}"
out="bench/results/abl-grid-$split.jsonl"
mkdir -p bench/results "bench/target/abl-grid-$split"
[ "${APPEND:-0}" = 1 ] || : > "$out"
export TRAIN_LIMIT="${TRAIN_LIMIT:-10000}" TEST_LIMIT="${TEST_LIMIT:-2000}" OUT="$out" SPLIT_DIR="bench/target/abl-grid-$split"
export ABLSERVE_THREADS="${ABLSERVE_THREADS:-1}" EPOCH_ARGS="${EPOCHS:+--epochs $EPOCHS}"
bench/run-eval.sh --help > /dev/null # compiles once, before the parallel runs
cells() {
  # attack rate target seed
  if [ -n "${CELLS:-}" ]; then
    printf '%s\n' "$CELLS"
  elif [ "$split" = tuning ]; then
    printf '%s\n' "NONE 0.1 0 1" "NONE 0.1 0 2" \
      "BADNETS 0.1 0 1" "BLEND 0.1 2 1" "TROJAN 0.1 4 2" "BLEND 0.1 4 2" "BLEND 0.05 3 2" "BLEND 0.2 1 1" \
      "SIG 0.08 0 1" "WANET 0.1 3 1" "BADNETS 0.01 2 1" "BADNETS 0.5 3 2"
  else
    printf '%s\n' "NONE 0.1 0 3" \
      "BADNETS 0.05 5 3" "BADNETS 0.1 6 3" "BADNETS 0.2 7 3" \
      "BLEND 0.1 5 3" "BLEND 0.2 8 3" "BLEND 0.05 9 3" \
      "TROJAN 0.2 6 3" "TROJAN 0.05 7 3" "TROJAN 0.1 9 3" \
      "SIG 0.05 8 3" "WANET 0.1 5 3" "BADNETS 0.01 9 3" "BLEND 0.5 6 3"
  fi
}
cells | while read -r attack rate target seed; do
  for defense in NONE ABL; do
    echo "$attack $rate $target $seed $defense"
  done
done | grep -Ev "^(${SKIP:-^$})$" | xargs -d '\n' -P "${JOBS:-$(nproc)}" -I{} bash -c '
  read -r attack rate target seed defense <<< "$1"
  label="$attack@$rate t$target s$seed"; log="$SPLIT_DIR/${label// /_}-$defense.log"
  echo "== $label $defense" >&2
  # shellcheck disable=SC2086
  bench/run-eval.sh --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --attack "$attack" --poison-rate "$rate" \
    --target "$target" --seed "$seed" --defense "$defense" --label "$label" --results "$OUT" $EPOCH_ARGS \
    > "$log" 2>&1 || { echo "FAILED: $label $defense (see $log)" >&2; exit 255; }
' _ {}
python3 bench/abl_grid_table.py "$out"
