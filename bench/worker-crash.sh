#!/usr/bin/env bash
# Crash bench (#15): the real server with two 1-thread CPU slots in process isolation, CRASH_SESSIONS (6)
# small sessions queued, a random worker killed with SIGKILL every CRASH_KILL_SECONDS (20); every session must
# end SUCCEEDED with a gap-free event log. Knobs and report: bench/worker_crash.py. Exits 1 on a failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
ablserve_ensure_dataset
ablserve_build_if_needed
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
PYTHONPATH="client-python/src${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" bench/worker_crash.py "$@"
