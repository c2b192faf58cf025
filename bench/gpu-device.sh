#!/usr/bin/env bash
# The GPU benchmarks (#15) on a machine that has a CUDA GPU and a Python PyTorch but neither Maven nor a
# JDK nor DJL's CUDA natives, and no network (the device tool's H200 lease: torch 2.11 + CUDA 13 there).
#
#   JNI=libdjl_torch.so bench/gpu-device.sh pack [DIR]
#       here: compiles, then writes DIR (default .gpu, < 64 MiB) with a jlink'd JRE, the runtime jars (no
#       CPU libtorch), the classes, a Fashion-MNIST subset (12000 train, 2000 test) and JNI, DJL's PyTorch
#       JNI built against the device's libtorch (bench/gpu/build-jni.sh: DJL 0.36's own is for 2.7.1)
#   bench/gpu-device.sh run [DIR]
#       there: unpacks DIR, points DJL at the Python torch's libtorch and runs on gpu:0 (1) bench/speed.sh's
#       micro figures, (2) the PyTorch eager reference, (3) its session figures (ABL vs plain, server vs in
#       process), (4) the demo session end to end: server in process isolation with slot gpu:0, the CLI;
#       with STEPS=5, (5) SHARE_SESSIONS (4) demo sessions queued on gpu:0*1 and on gpu:0*2 (sharing the GPU);
#       with STEPS=6, (6) the crash bench (WorkerCrashBench) on gpu:0*2: workers killed with SIGKILL mid-session.
#       Rows go to $OUT/speed-gpu.jsonl, the log to $OUT/gpu.log.
# A bench harness for one machine, not a deployment: docker/Dockerfile.cuda installs DJL's own natives.
set -euo pipefail
mode="${1:?usage: bench/gpu-device.sh pack|run [DIR]}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir="${2:-.gpu}"

pack() {
  source bin/env.sh
  cd "$root"
  mkdir -p "$dir"
  local jni="${JNI:?JNI=path/to/libdjl_torch.so built by bench/gpu/build-jni.sh}"
  mvn -B -q -pl proto,server,bench compile dependency:build-classpath \
    -Dmdep.outputFile="$root/bench/target/classpath.txt" >&2
  mvn -B -q -pl proto,server,client-java compile dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile="$root/client-java/target/classpath.txt" >&2
  local stage
  stage="$(mktemp -d)"
  mkdir -p "$stage/ab/lib"
  # The JRE: the modules jdeps names for server and bench, uncompressed so that xz packs it well.
  jlink --add-modules java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --output "$stage/ab/jre"
  local jar
  for jar in $( (cat bench/target/classpath.txt; echo; cat client-java/target/classpath.txt) | tr ':' '\n' | grep '\.jar$' | sort -u); do
    case "$(basename "$jar")" in
      pytorch-native-cpu-*) ;;  # the device's libtorch replaces it
      kubernetes-model-core-*|kubernetes-model-common-*|kubernetes-model-batch-*) cp "$jar" "$stage/ab/lib/" ;;
      kubernetes-model-*) ;;    # the Kubernetes provider is not run there
      *) cp "$jar" "$stage/ab/lib/" ;;
    esac
  done
  # Natives for other platforms: dead weight in a 64 MiB carry.
  (cd "$stage/ab/lib" &&
    zip -q -d sqlite-jdbc-*.jar 'org/sqlite/native/Windows/*' 'org/sqlite/native/Mac/*' \
      'org/sqlite/native/FreeBSD/*' 'org/sqlite/native/Linux-Android/*' 'org/sqlite/native/Linux-Musl/*' \
      'org/sqlite/native/Linux/aarch64/*' 'org/sqlite/native/Linux/arm*' 'org/sqlite/native/Linux/x86/*' \
      'org/sqlite/native/Linux/ppc64/*' 'org/sqlite/native/Linux/riscv64/*' >/dev/null &&
    zip -q -d grpc-netty-shaded-*.jar 'META-INF/native/*aarch_64*' 'META-INF/native/*osx*' \
      'META-INF/native/*windows*' >/dev/null &&
    zip -q -d pytorch-jni-*.jar 'jnilib/linux-aarch64/*' 'jnilib/osx-aarch64/*' 'jnilib/win-x86_64/*' >/dev/null)
  cp -r proto/target/classes "$stage/ab/proto-classes"
  cp -r server/target/classes "$stage/ab/server-classes"
  cp -r bench/target/classes "$stage/ab/bench-classes"
  cp -r client-java/target/classes "$stage/ab/client-classes"
  cp "$jni" "$stage/ab/libdjl_torch.so"
  mkdir -p "$stage/ab/fashion-mnist"
  python3 bench/gpu/subset.py /usr/share/datasets/fashion-mnist "$stage/ab/fashion-mnist" 12000 2000
  tar -C "$stage" -cJf "$dir/ablserve-gpu.tar.xz" ab
  rm -rf "$stage"
  du -sh "$dir" >&2
}

# Starts the server with SERVER_ARGS on a fresh data directory and a free port, its log to LOG: sets
# server_pid and server_address (empty when it did not start within a minute): start_server LOG SERVER_ARGS...
start_server() {
  local log="$1"
  shift
  "${java[@]}" io.ablserve.server.Main --port 0 --data-dir "$(mktemp -d)" "$@" >"$log" 2>&1 &
  server_pid=$!
  server_address=""
  for _ in $(seq 1 600); do
    server_address="$(sed -n 's/^ablserve listening on \([^ ]*\).*/\1/p' "$log" | head -n 1)"
    [ -n "$server_address" ] && break
    sleep 0.1
  done
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

# One session of bin/demo's settings on the carried subset (DEMO_TRAIN images, 12000) through the CLI, for
# TIMEOUT seconds: demo_session TIMEOUT NAME SEED [CLI_RUN_OPTIONS...], against server_address.
demo_session() {
  local timeout="$1" name="$2" seed="$3"
  shift 3
  timeout "$timeout" "${java[@]}" io.ablserve.client.cli.AblCli run "$@" --address "$server_address" \
    --name "$name" --dataset fashion-mnist --train-limit "${DEMO_TRAIN:-12000}" --test-limit 2000 \
    --attack badnets --poison-rate 0.1 --target 0 --epochs 6 --isolation-epochs 3 --isolation-ratio 0.01 \
    --seed "$seed"
}

# The demo session against a server started with SERVER_ARGS, its log to LOG: demo LOG SERVER_ARGS...
demo() {
  local log="$1" result=0
  shift
  start_server "$log" "$@"
  if [ -n "$server_address" ]; then
    demo_session "${DEMO_TIMEOUT:-100}" "gpu-demo $*" 1 || result=$?
    timeout 30 "${java[@]}" io.ablserve.client.cli.AblCli list --address "$server_address" || true
  else
    echo "server did not start: $*"
    result=1
  fi
  stop_server
  grep -E "^ablserve |trains in worker" "$log" || true
  return "$result"
}

# SESSIONS sessions of the demo (seeds 1..SESSIONS) queued at once on a server with --slots gpu:0*SLOTS (SLOTS
# sessions sharing the GPU): makespan and each session's result line: share SLOTS SESSIONS.
share() {
  local k="$1" n="$2" log="$out/server-share$1.log" start end i slots="gpu:0*$1"
  local clients=()
  # SHARE_CPU=1: K one-thread CPU slots instead, to try the harness where there is no GPU.
  if [ "${SHARE_CPU:-0}" = 1 ]; then slots="$(yes cpu:1 | head -n "$k" | paste -sd,)"; fi
  start_server "$log" --isolation process --slots "$slots"
  [ -n "$server_address" ] || { echo "server did not start"; stop_server; return 1; }
  start="$(date +%s%N)"
  for i in $(seq 1 "$n"); do
    demo_session "${SHARE_TIMEOUT:-150}" "share$k-$i" "$i" --no-progress >"$ab/share$k-$i.out" 2>&1 &
    clients+=($!)
  done
  # The slots mid-run: each worker's memory and the GPU's, as ListDevices reports them.
  sleep "${SHARE_DEVICES_AFTER:-10}"
  timeout 30 "${java[@]}" io.ablserve.client.cli.AblCli devices --address "$server_address" || true
  wait "${clients[@]}" || true
  end="$(date +%s%N)"
  echo "share: $n sessions on $slots, makespan $(( (end - start) / 1000000 )) ms"
  for i in $(seq 1 "$n"); do
    echo "  share$k-$i $(grep -h '^state RUNNING' "$ab/share$k-$i.out" | head -1): $(grep -h '^final ' "$ab/share$k-$i.out")"
  done
  stop_server
}

run() {
  local out="${OUT:-$root/bench/target/gpu-out}" ab=/tmp/ab-gpu
  mkdir -p "$out"
  exec > >(tee "$out/gpu.log") 2>&1
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  rm -rf "$ab" && mkdir -p "$ab" && tar -C "$ab" --strip-components=1 -xJf "$dir/ablserve-gpu.tar.xz"
  local py="${TORCH_PYTHON:-python3}" torchlib site torch_version cuda_flavor
  torchlib="$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
  site="$(dirname "$(dirname "$torchlib")")"
  torch_version="$("$py" -c 'import torch; print(torch.__version__.split("+")[0])')"
  cuda_flavor="cu$("$py" -c 'import torch; print(torch.version.cuda.replace(".", ""))')"
  "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
  # DJL loads every file in PYTORCH_LIBRARY_PATH (the wheel's lib/ also holds headers): a folder of links
  # to the libraries alone (their $ORIGIN stays the wheel's, so its RPATH finds the CUDA libraries).
  mkdir -p "$ab/torchlib" "$ab/cudart"
  local f
  for f in libc10.so libc10_cuda.so libtorch.so libtorch_cpu.so libtorch_cuda.so libcaffe2_nvrtc.so libshm.so libgomp.so.1; do
    if [ -e "$torchlib/$f" ]; then ln -sf "$torchlib/$f" "$ab/torchlib/$f"; fi
  done
  # DJL counts GPUs through JNA's "cudart", an unversioned name the CUDA wheels do not ship.
  ln -sf "$(find "$site/nvidia" -name 'libcudart.so.*' | head -1)" "$ab/cudart/libcudart.so"
  # The JNI built for this libtorch, where DJL looks first: DJL_CACHE_DIR/pytorch/VERSION-FLAVOR-linux-x86_64.
  local djl_version
  djl_version="$(basename "$(ls "$ab"/lib/api-*.jar)" .jar | sed 's/^api-//')"
  mkdir -p "$ab/djl/pytorch/$torch_version-$cuda_flavor-linux-x86_64"
  cp "$ab/libdjl_torch.so" "$ab/djl/pytorch/$torch_version-$cuda_flavor-linux-x86_64/$djl_version-libdjl_torch.so"
  if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    mkdir -p /usr/share/datasets && cp -r "$ab/fashion-mnist" /usr/share/datasets/fashion-mnist
  fi
  export PYTORCH_LIBRARY_PATH="$ab/torchlib" PYTORCH_VERSION="$torch_version" PYTORCH_FLAVOR="$cuda_flavor"
  export DJL_CACHE_DIR="$ab/djl" LD_LIBRARY_PATH="$ab/cudart${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local threads="${ABLSERVE_THREADS:-4}"
  local java=("$ab/jre/bin/java" -Dai.djl.offline=true "-Djna.library.path=$ab/cudart" -Xss4m
    "-Dai.djl.pytorch.num_threads=$threads" -Dai.djl.pytorch.num_interop_threads=1
    -cp "$ab/bench-classes:$ab/server-classes:$ab/proto-classes:$ab/client-classes:$ab/lib/*")
  local device="${DEVICE:-gpu}" rows="$out/speed-gpu.jsonl" cifar="$ab/synthetic-cifar" status=0
  : > "$rows"
  # STEPS: which parts run (default 1-4; on request 5, sharing the GPU between sessions, and 6, the crash bench).
  local steps="${STEPS:-1234}"
  if [[ "$steps" == *1* ]]; then
    echo "== 1/4 ablserve (DJL) micro on $device"
    timeout "${MICRO_TIMEOUT:-120}" "${java[@]}" io.ablserve.bench.SpeedBench micro \
      --cnn-train "${CNN_TRAIN:-12000}" --wrn-train "${WRN_TRAIN:-5000}" --epochs "${EPOCHS:-2}" \
      --cifar-dir "$cifar" --device "$device" --results "$rows" || status=$?
  fi
  if [[ "$steps" == *2* ]]; then
    echo "== 2/4 PyTorch eager on cuda"
    timeout 60 "$py" bench/torch_reference.py --model small_cnn --train-limit "${CNN_TRAIN:-12000}" \
      --epochs "${EPOCHS:-2}" --threads "$threads" --device cuda --results "$rows" || status=$?
    if [ -d "$cifar" ]; then
      timeout 60 "$py" bench/torch_reference.py --model wrn_16_1 --data "$cifar" --train-limit "${WRN_TRAIN:-5000}" \
        --epochs "${EPOCHS:-2}" --threads "$threads" --device cuda --results "$rows" || status=$?
    fi
  fi
  if [[ "$steps" == *3* ]]; then
    echo "== 3/4 ablserve sessions on $device: ABL vs plain, server vs in-process"
    timeout "${SESSIONS_TIMEOUT:-150}" "${java[@]}" io.ablserve.bench.SpeedBench sessions \
      --session-train "${SESSION_TRAIN:-6000}" --session-test 2000 --session-epochs "${SESSION_EPOCHS:-6}" \
      --repeats "${REPEATS:-1}" --device "$device" --results "$rows" || status=$?
  fi
  if [[ "$steps" == *4* ]]; then
    echo "== 4/4 the demo session through the CLI: server inline on gpu, then in process isolation on slot gpu:0"
    demo "$out/server-inline.log" --isolation inline --device gpu || status=$?
    demo "$out/server-process.log" --isolation process --slots gpu:0 || status=$?
  fi
  if [[ "$steps" == *5* ]]; then
    echo "== 5 sharing the GPU: ${SHARE_SESSIONS:-4} sessions queued on gpu:0*1, then on gpu:0*2"
    share 1 "${SHARE_SESSIONS:-4}" || status=$?
    share 2 "${SHARE_SESSIONS:-4}" || status=$?
  fi
  if [[ "$steps" == *6* ]]; then
    # The crash bench on the GPU: two sessions sharing gpu:0, a worker killed every CRASH_KILL_SECONDS; every
    # session must end SUCCEEDED, gap-free, and is set beside its unkilled run (CRASH_CPU=1: cpu:1,cpu:1).
    local crash_slots='gpu:0*2'
    if [ "${CRASH_CPU:-0}" = 1 ]; then crash_slots=cpu:1,cpu:1; fi
    echo "== 6 crash: ${CRASH_SESSIONS:-4} sessions on $crash_slots, a worker killed every ${CRASH_KILL_SECONDS:-8} s"
    timeout "${CRASH_TIMEOUT:-240}" "${java[@]}" io.ablserve.bench.WorkerCrashBench --slots "$crash_slots" \
      --sessions "${CRASH_SESSIONS:-4}" --kill-seconds "${CRASH_KILL_SECONDS:-8}" \
      --train-limit "${CRASH_TRAIN:-6000}" --test-limit 1000 --epochs "${CRASH_EPOCHS:-4}" \
      --timeout-seconds 100 --results "$out/worker-crash-gpu.jsonl" || status=$?
  fi
  "$py" bench/speed_table.py "$rows" || true
  return "$status"
}

case "$mode" in
  pack) pack ;;
  run) run ;;
  *) echo "usage: bench/gpu-device.sh pack|run [DIR]" >&2; exit 2 ;;
esac
