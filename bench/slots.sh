#!/usr/bin/env bash
# Slots bench (#15): 6 sessions queued on one 2-thread CPU slot vs two 1-thread slots (process isolation),
# sessions/hour and images/s; then one session inline vs through a worker, images/s and step-to-watcher
# latency p50/p99. Arguments: throughput, hop (default both). Knobs and method: bench/slots.py.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
ablserve_ensure_dataset
ablserve_build_if_needed
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
PYTHONPATH="client-python/src${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" bench/slots.py "$@"
