#!/usr/bin/env bash
# ablserve's training path against PyTorch eager from Python, in one invocation on this machine, with the
# same allocator settings and thread counts on both sides (bin/env.sh: glibc malloc thresholds,
# ABLSERVE_THREADS intra-op threads, 1 inter-op thread):
#   1. DJL micro: small CNN on Fashion-MNIST and WRN-16-1 on CIFAR-format data (random images written
#      once to bench/target/synthetic-cifar): training, inference, ranking-pass throughput;
#   2. the same three figures from PyTorch eager (bench/torch_reference.py, Debian python3-torch, or
#      TORCH_PYTHON=/path/to/python for another torch);
#   3. DJL sessions: a full ABL session vs plain training of the same epochs; a session through the real
#      server over gRPC with one watcher vs the same training called in process.
# Rows: bench/results/speed.jsonl (replaced; SPEED_RESULTS=FILE for another); the table of ratios is printed at the end.
# Sizes (env): CNN_TRAIN 20000, WRN_TRAIN 5000, EPOCHS 2 (+1 warm-up), SESSION_TRAIN 10000,
# SESSION_EPOCHS 6, REPEATS 2, DEVICE cpu (gpu: the same classes on a GPU). --quick: tiny sizes, to prove
# it works (~2 minutes). Timings on a shared machine: ABLSERVE_THREADS=1 and the rows' cpu_value.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ "${1:-}" = "--quick" ]; then
  : "${CNN_TRAIN:=2000}" "${WRN_TRAIN:=500}" "${EPOCHS:=1}" "${SESSION_TRAIN:=1500}" "${SESSION_TEST:=300}"
  : "${SESSION_EPOCHS:=2}" "${REPEATS:=1}"
fi
CNN_TRAIN="${CNN_TRAIN:-20000}" WRN_TRAIN="${WRN_TRAIN:-5000}" EPOCHS="${EPOCHS:-2}"
SESSION_TRAIN="${SESSION_TRAIN:-10000}" SESSION_TEST="${SESSION_TEST:-2000}"
SESSION_EPOCHS="${SESSION_EPOCHS:-6}" REPEATS="${REPEATS:-2}"
python="${TORCH_PYTHON:-/usr/bin/python3}"
# DEVICE: cpu (default), gpu or gpu:N for ablserve; the PyTorch side gets cuda or cuda:N.
device="${DEVICE:-cpu}"
torch_device="$(echo "$device" | sed 's/^gpu/cuda/')"
out="${SPEED_RESULTS:-bench/results/speed.jsonl}"
mkdir -p "$(dirname "$out")"
: > "$out"
ablserve_ensure_dataset
cifar=bench/target/synthetic-cifar
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== threads $ABLSERVE_THREADS (+1 inter-op), MALLOC_MMAP_THRESHOLD_=$MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_=$MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_=$MALLOC_TOP_PAD_" >&2
echo "== 1/3 ablserve (DJL) micro" >&2
bench_java SpeedBench micro --cnn-train "$CNN_TRAIN" --wrn-train "$WRN_TRAIN" --epochs "$EPOCHS" \
  --cifar-dir "$cifar" --device "$device" --results "$out"
echo "== 2/3 PyTorch eager ($("$python" -c 'import torch; print(torch.__version__)'))" >&2
"$python" bench/torch_reference.py --model small_cnn --train-limit "$CNN_TRAIN" --epochs "$EPOCHS" \
  --threads "$ABLSERVE_THREADS" --device "$torch_device" --results "$out"
"$python" bench/torch_reference.py --model wrn_16_1 --data "$cifar" --train-limit "$WRN_TRAIN" \
  --epochs "$EPOCHS" --threads "$ABLSERVE_THREADS" --device "$torch_device" --results "$out"
echo "== 3/3 ablserve sessions: ABL vs plain, server vs in-process" >&2
bench_java SpeedBench sessions --session-train "$SESSION_TRAIN" --session-test "$SESSION_TEST" \
  --session-epochs "$SESSION_EPOCHS" --repeats "$REPEATS" --device "$device" --results "$out"
"$python" bench/speed_table.py "$out"
