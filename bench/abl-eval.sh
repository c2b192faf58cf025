#!/usr/bin/env bash
# The ABL evaluation grid on Fashion-MNIST (Debian dataset-fashion-mnist), in process, one JVM per run:
#   five attacks at 10% poisoning x {no defence, ABL defaults, ABL without suspect filtering (the paper's
#   GGA), the official code's recipe}, and BadNets / Blend at 1% and 50% x {no defence, ABL defaults}.
# Rows go to bench/results/abl-eval.jsonl; bench/tabulate.py turns them into the tables of RESULTS.md.
# Size: TRAIN_LIMIT (default 10000) training and TEST_LIMIT (2000) test images, the default 10 epochs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results/abl-eval.jsonl
mkdir -p bench/results
: > "$out"
train="${TRAIN_LIMIT:-10000}"
test="${TEST_LIMIT:-2000}"
run() {
  local label="$1"; shift
  echo "== $label" >&2
  bench/run-eval.sh --train-limit "$train" --test-limit "$test" --seed "${SEED:-1}" --label "$label" \
    --results "$out" "$@" | grep -v '^{' >&2
}
# SIG is clean-label: it can only poison target-class images, about 10% of the data, so it gets 8%.
for attack in BADNETS BLEND TROJAN SIG WANET; do
  rate=0.1; [ "$attack" = SIG ] && rate=0.08
  run "$attack none" --attack "$attack" --poison-rate "$rate" --defense NONE
  run "$attack abl" --attack "$attack" --poison-rate "$rate"
  run "$attack abl-no-filter" --attack "$attack" --poison-rate "$rate" --no-filter
  run "$attack official" --attack "$attack" --poison-rate "$rate" --no-filter --mode FINETUNE_THEN_ASCENT
done
for attack in BADNETS BLEND; do
  for rate in 0.01 0.5; do
    run "$attack@$rate none" --attack "$attack" --poison-rate "$rate" --defense NONE
    run "$attack@$rate abl" --attack "$attack" --poison-rate "$rate"
  done
done
python3 bench/tabulate.py "$out"
