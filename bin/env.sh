# shellcheck shell=bash
# Sourced by the launchers: the settings that make DJL/PyTorch fast and steady on a small CPU box.
# glibc malloc otherwise maps and unmaps activation buffers every batch (millions of page faults,
# +-20-40% throughput noise, measured in shared/BUILD-NOTES.md); these keep freed memory in the arena.
# The threshold is 128 MiB, not 32: an eval batch of 512 WRN-16-1 images has 33.5 MB activations, which
# were still mapped and unmapped per op (1.46M page faults vs 0.47M, eval +84% by CPU time; bench/RESULTS.md).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-134217728}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"
export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"
ABLSERVE_THREADS="${ABLSERVE_THREADS:-$(nproc)}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$ABLSERVE_THREADS}"
# DJL unpacks its native library here instead of ~/.djl.ai; offline: nothing is downloaded at run time.
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.cache/ablserve/djl}"
ABLSERVE_JVM_OPTS="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=$ABLSERVE_THREADS -Dai.djl.pytorch.num_interop_threads=1 ${ABLSERVE_JVM_OPTS:-}"
ABLSERVE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ABLSERVE_SERVER_JAR="$ABLSERVE_ROOT/server/target/ablserve-server.jar"
ABLSERVE_CLI_JAR="$ABLSERVE_ROOT/client-java/target/ablserve-cli.jar"

# Appends to the array named $1 each OPTION VALUE pair listed before "--" whose OPTION the arguments after
# "--" do not give (as OPTION or OPTION=VALUE). picocli refuses an option given twice, so a caller's option
# must replace the launcher's default rather than follow it.
ablserve_defaults_unless_given() {
  local -n ablserve_into="$1"
  shift
  local defaults=()
  while [ "$1" != "--" ]; do
    defaults+=("$1")
    shift
  done
  shift
  local i arg given
  for ((i = 0; i < ${#defaults[@]}; i += 2)); do
    given=0
    for arg in "$@"; do
      if [[ "$arg" == "${defaults[i]}" || "$arg" == "${defaults[i]}="* ]]; then
        given=1
        break
      fi
    done
    if [ "$given" = 0 ]; then
      ablserve_into+=("${defaults[i]}" "${defaults[i + 1]}")
    fi
  done
}

# Builds the runnable jars when they are missing or older than the sources.
ablserve_build_if_needed() {
  local stale=0
  for jar in "$ABLSERVE_SERVER_JAR" "$ABLSERVE_CLI_JAR"; do
    if [ ! -f "$jar" ] || [ -n "$(find "$ABLSERVE_ROOT"/proto "$ABLSERVE_ROOT"/server/src/main "$ABLSERVE_ROOT"/client-java/src/main "$ABLSERVE_ROOT"/pom.xml -newer "$jar" -type f -print -quit)" ]; then
      stale=1
    fi
  done
  if [ "$stale" = 1 ]; then
    echo "building ablserve (mvn package, tests skipped)..." >&2
    (cd "$ABLSERVE_ROOT" && mvn -B -q -DskipTests package) >&2
  fi
}

# Installs the Fashion-MNIST IDX files (Debian package) when they are missing.
ablserve_ensure_dataset() {
  if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "installing dataset-fashion-mnist (apt)..." >&2
      (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >&2
    else
      echo "Fashion-MNIST is missing: run 'sudo apt-get install dataset-fashion-mnist'" >&2
      return 1
    fi
  fi
}
