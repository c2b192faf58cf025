#!/usr/bin/env bash
# Soak: the real server jar on a temporary data directory with a token file of 3 users, for SOAK_SECONDS
# (default 180) of sessions, watchers, uploads, evaluations and bad requests from all three at once, a kill -9
# and restart partway, then a restart with a --min-free-bytes floor above the free space (disk full) and one
# back (SOAK_DISK_FULL=0 skips those), then a drain (SOAK_DRAIN_SECONDS, default 240) until every session is
# done. Reports sessions created / completed / failed / lost (target 0), refusals by status code, the server's
# RSS and threads (from /proc every SOAK_SAMPLE_SECONDS, default 3), and per server process its warm-up
# peak (first SOAK_WARMUP_SECONDS, default 60) apart from its RSS under load after warm-up and at the end of
# the load (medians of SOAK_WINDOW_SECONDS, default 30) and the growth between them, which a leak shows;
# appends a JSON line to bench/results/soak.jsonl. Exits 1 when a session was lost. Driver: bench/soak.py.
# For a leak check, one process for the whole run: SOAK_KILL=0 SOAK_DISK_FULL=0 (no kill -9, no restarts).
# One training thread (ABLSERVE_THREADS=1) by default, so the soak shares a small machine.
set -euo pipefail
export ABLSERVE_THREADS="${ABLSERVE_THREADS:-1}"
source "$(dirname "${BASH_SOURCE[0]}")/../bin/env.sh"
cd "$ABLSERVE_ROOT"
ablserve_ensure_dataset
ablserve_build_if_needed
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
exec "$PYTHON" bench/soak.py "$@"
