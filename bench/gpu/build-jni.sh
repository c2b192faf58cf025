#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) against another libtorch than the 2.7.1 that DJL 0.36 ships
# for, for a GPU machine whose only libtorch is its Python torch (the device tool's H200: torch 2.11.0 with
# CUDA 13) and which cannot download DJL's CUDA natives. The JNI's inline code bakes in libtorch's headers
# (dispatch key numbers among them, which changed between 2.7 and 2.11), so it must be compiled against the
# libtorch it will load; DJL's own JNI against 2.11 loads but fails its first from_blob.
#   bench/gpu/build-jni.sh DJL_SRC TORCH_VERSION OUT.so [cpu]
# DJL_SRC: a checkout of github.com/deepjavalibrary/djl at v0.36.0 (engines/pytorch/pytorch-native and
# api/src/main/native are used); the torch wheel and CUDA headers come from PyPI (pip download: the
# CUDA 13 runtime and crt headers, no toolkit needed). 'cpu' builds without CUDA (to test here).
set -euo pipefail
src="${1:?DJL source}" torch_version="${2:?torch version, e.g. 2.11.0}" out="${3:?output .so}" flavor="${4:-cuda}"
work="${JNI_WORK:-$(mktemp -d)}"
pip_download() { python3 -m pip download -q --no-deps --only-binary=:all: -d "$work/wheels" "$@"; }
mkdir -p "$work/wheels" "$work/torch" "$work/cuda" "$work/obj" "$work/include"
if [ ! -d "$work/torch/torch/include" ]; then
  pip_download --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 "torch==$torch_version"
  unzip -q -o "$work"/wheels/torch-"$torch_version"-*.whl 'torch/include/*' 'torch/lib/*.so*' -d "$work/torch"
  pip_download "nvidia-cuda-runtime==13.0.*" "nvidia-cuda-crt==13.0.*"
  for w in "$work"/wheels/nvidia_*.whl; do unzip -q -o "$w" -d "$work/cuda"; done
fi
native="$src/engines/pytorch/pytorch-native/src/main/native"
javac -h "$work/include" -d "$work/classes" \
  -cp "$(find ~/.m2/repository/ai/djl/api/0.36.0 ~/.m2/repository/ai/djl/pytorch/pytorch-engine/0.36.0 -name '*.jar' | paste -sd:)" \
  "$src/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
t="$work/torch/torch/include" j="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")/include"
flags=(-std=c++17 -O2 -fPIC -w -D_GLIBCXX_USE_CXX11_ABI=1 -I"$t" -I"$t/torch/csrc/api/include" -I"$j" -I"$j/linux"
  -I"$src/api/src/main/native" -I"$work/include" -I"$(find -L "$work/cuda" -type d -path '*cu13/include' | head -1)")
libs=(-lc10 -ltorch_cpu -ltorch)
if [ "$flavor" = cuda ]; then
  libs=(-lc10 -lc10_cuda -ltorch_cpu -ltorch_cuda -ltorch)
fi
cuda_flag=()
[ "$flavor" = cuda ] && cuda_flag=(-DUSE_CUDA)
ls "$native"/*.cc | grep -v _inference.cc | xargs -P "$(nproc)" -I{} bash -c \
  'cc="$1"; obj="$2"; shift 2; g++ "$@" -c "$cc" -o "$obj/$(basename "$cc" .cc).o"' _ {} "$work/obj" \
  "${flags[@]}" "${cuda_flag[@]}"
# The inference file's CUDA part (a separate stream for TorchScript inference, unused by ablserve) needs the
# whole toolkit's headers (cusparse.h); the system file's (device count, empty cache) needs only cudart's.
# Rebuild the inference file without USE_CUDA (see above).
g++ "${flags[@]}" -c "$native/ai_djl_pytorch_jni_PyTorchLibrary_inference.cc" \
  -o "$work/obj/ai_djl_pytorch_jni_PyTorchLibrary_inference.o"
g++ -shared -o "$out" "$work"/obj/*.o -L"$work/torch/torch/lib" -Wl,--no-as-needed "${libs[@]}" -Wl,-rpath,'$ORIGIN'
echo "built $out against torch $torch_version ($flavor)" >&2
