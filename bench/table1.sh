#!/usr/bin/env bash
# The ABL paper's Table 1 on Fashion-MNIST (issue #14): one attack grid run under each defence, the same data,
# seed and budget per row, printed in the paper's layout (rows attacks, an ASR/CA pair per defence) with the
# paper's CIFAR-10 figures beside for orientation.
#   CELLS    "ATTACK RATE TARGET SEED" lines; default: 10% poison on the held-out targets of issue #13, seed 3
#            (5% for the clean-label SIG and CL: they poison only target-class images, about 10% of the set).
#   DEFENSES default "NONE FT FP NAD MCR ABL".
#   OUT      rows (JSONL); default bench/results/table1.jsonl, appended to: a (label, defence) pair already
#            there is not run again, so an interrupted grid resumes and rows from bench/abl-grid.sh can be
#            copied in (same label and settings) rather than rerun.
# Size as bench/abl-grid.sh: TRAIN_LIMIT (10000) / TEST_LIMIT (2000) images, 10 epochs (FT, FP and NAD then
# fine-tune 10 more on a 5% clean subset drawn from the training images the attack left alone, NAD after 5
# teacher epochs; MCR fine-tunes two endpoints 10 epochs each there, then trains the curve between them 10
# epochs), JOBS runs at once, each on one intra-op thread. Prints the table with bench/table1.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${OUT:-bench/results/table1.jsonl}"
mkdir -p "$(dirname "$out")" bench/target/table1
touch "$out"
export TRAIN_LIMIT="${TRAIN_LIMIT:-10000}" TEST_LIMIT="${TEST_LIMIT:-2000}" OUT="$out"
export ABLSERVE_THREADS="${ABLSERVE_THREADS:-1}"
cells="${CELLS:-NONE 0.1 0 3
BADNETS 0.1 6 3
TROJAN 0.1 9 3
BLEND 0.1 5 3
SIG 0.05 8 3
WANET 0.1 5 3
CL 0.05 7 3}"
bench/run-eval.sh --help > /dev/null # compiles once, before the parallel runs
while read -r attack rate target seed; do
  [ -n "$attack" ] || continue
  for defense in ${DEFENSES:-NONE FT FP NAD MCR ABL}; do
    label="$attack@$rate t$target s$seed"
    if python3 -c 'import json,sys
sys.exit(0 if any(json.loads(l).get("label") == sys.argv[2] and json.loads(l).get("defense") == sys.argv[3]
                  for l in open(sys.argv[1]) if l.strip()) else 1)' "$out" "$label" "$defense"; then
      echo "have $label $defense" >&2
      continue
    fi
    echo "$attack $rate $target $seed $defense"
  done
done <<< "$cells" | xargs -r -d '\n' -P "${JOBS:-$(nproc)}" -I{} bash -c '
  read -r attack rate target seed defense <<< "$1"
  label="$attack@$rate t$target s$seed"; log="bench/target/table1/${label// /_}-$defense.log"
  echo "== $label $defense" >&2
  bench/run-eval.sh --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --attack "$attack" --poison-rate "$rate" \
    --target "$target" --seed "$seed" --defense "$defense" --label "$label" --results "$OUT" \
    > "$log" 2>&1 || echo "FAILED: $label $defense (see $log)" >&2
' _ {}
python3 bench/table1.py "$out"
