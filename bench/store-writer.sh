#!/usr/bin/env bash
# The store's single writer: step events committed per second, batched vs one commit per event, and the
# latency from a step's append to its commit (when watchers see it), on a real SQLite file in /tmp
# (bench/src/main/java/io/ablserve/bench/StoreWriterBench.java; args: --events, --paced, --pace-us,
# --sessions). Under a minute on two idle cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_java StoreWriterBench "$@"
