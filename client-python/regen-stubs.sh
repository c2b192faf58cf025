#!/usr/bin/env bash
# Regenerates the private gRPC stubs in src/ablserve/_proto/v1 from ../proto (needs grpcio-tools 1.80.1,
# e.g. the repository's .venv made by bin/test-python).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec "${PYTHON:-python3}" regen_stubs.py "$@"
