#!/bin/sh
# Docker HEALTHCHECK: exits 0 when this container's server answers SERVING on grpc.health.v1.
set -eu
# shellcheck source=docker/bin/ablserve-config.sh
. "${ABLSERVE_HOME:-/opt/ablserve}/bin/ablserve-config.sh"

case "$ABLSERVE_BIND" in
  0.0.0.0 | '::' | '[::]') host=127.0.0.1 ;;
  *) host="$ABLSERVE_BIND" ;;
esac
# A short-lived client JVM: C1 only, small serial heap, so a probe costs ~1 s and little memory.
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -Xss512k \
  -cp "$ABLSERVE_HOME/ablserve-server.jar:$ABLSERVE_HOME/probe" HealthProbe "$host:$ABLSERVE_PORT"
