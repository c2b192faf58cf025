#!/usr/bin/env bash
# Runs one in-process ABL evaluation (bench/src/main/java/io/ablserve/bench/AblEval.java); args: --help.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_java AblEval "$@"
