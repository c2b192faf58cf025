#!/usr/bin/env bash
# Training throughput of the DJL loop (ablserve's trainer, plain training) and of the same small CNN, data,
# batch size, optimiser and thread count in PyTorch eager from Python (Debian python3-torch), one after the
# other on this machine, with the same allocator settings (bin/env.sh) on both sides.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
limit="${TRAIN_LIMIT:-20000}"
echo "== DJL (ablserve trainer, DEFENSE_NONE, no augmentation, $ABLSERVE_THREADS threads)"
bench/run-eval.sh --train-limit "$limit" --test-limit 1000 --defense NONE --epochs 3 --isolation-epochs 1 \
  --no-augment --label throughput | grep -E '^epoch'
echo "== PyTorch eager ($(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), $ABLSERVE_THREADS threads)"
/usr/bin/python3 bench/torch_reference.py --train-limit "$limit" --epochs 3 --threads "$ABLSERVE_THREADS"
