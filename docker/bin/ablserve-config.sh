# Sourced by the entrypoint and the health check, so both see the same settings. Precedence: variables set
# on the container (docker run -e, compose environment, Kubernetes env) > the mounted config file
# (KEY=VALUE lines, default /etc/ablserve/ablserve.env) > the image defaults at the end.
# shellcheck shell=sh

ABLSERVE_HOME="${ABLSERVE_HOME:-/opt/ablserve}"
ABLSERVE_CONFIG_FILE="${ABLSERVE_CONFIG_FILE:-/etc/ablserve/ablserve.env}"

if [ -r "$ABLSERVE_CONFIG_FILE" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      '' | '#'*) continue ;;
      *=*) ;;
      *) echo "ablserve: ignoring a line without '=' in $ABLSERVE_CONFIG_FILE: $line" >&2; continue ;;
    esac
    key="${line%%=*}"
    case "$key" in
      [0-9]* | *[!A-Za-z0-9_]*)
        echo "ablserve: ignoring a bad name in $ABLSERVE_CONFIG_FILE: $key" >&2
        continue
        ;;
    esac
    # The key is a checked shell name, so eval only ever tests whether that variable is set.
    if eval "[ -z \"\${$key+set}\" ]"; then
      export "$key=${line#*=}"
    fi
  done <"$ABLSERVE_CONFIG_FILE"
fi

# A container must listen beyond its loopback and on a fixed port (the health check and probes use it).
export ABLSERVE_PORT="${ABLSERVE_PORT:-50051}"
export ABLSERVE_BIND="${ABLSERVE_BIND:-0.0.0.0}"
export ABLSERVE_DATA_DIR="${ABLSERVE_DATA_DIR:-/var/lib/ablserve}"
# The CUDA image sets ABLSERVE_IMAGE_DEVICE=gpu; a plain ENV ABLSERVE_DEVICE would beat the config file.
export ABLSERVE_DEVICE="${ABLSERVE_DEVICE:-${ABLSERVE_IMAGE_DEVICE:-cpu}}"
# DJL's PyTorch natives, unpacked (CPU) or downloaded (CUDA) at image build time.
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$ABLSERVE_HOME/djl}"
