#!/bin/bash
# torch-root.sh OFDOCTOR [BASE_ROOT] -- the OpenFace image's PyTorch as pip installs it:
# torch 2.0.1 (PyPI's CUDA 11.7 build) and the eleven nvidia-*-cu11 wheels it depends on,
# unpacked under dist-packages in a copy of a Debian root (default: the Debian 11 root of
# `scripts/debian-root.sh bullseye`, glibc 2.31 as Ubuntu 20.04). Then every ELF file there
# against `ldd -r` in the root (tree.py): plain, with an LD_LIBRARY_PATH of the nvidia/*/lib
# and torch/lib directories, and with torch's libgomp preloaded; and the extension modules'
# C API references against this machine's python3.11 with each module preloaded
# (pymodules.py; torch's wheel is for CPython 3.11). The wheels (2.8 GB) are cached in
# TORCH_CACHE (default /var/cache/ofdoctor-torch). Needs root (chroot in unshare -m).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OFD=$(realpath "$1"); BASE=${2:-/var/cache/ofdoctor-bullseye}
CACHE=${TORCH_CACHE:-/var/cache/ofdoctor-torch}
WHEELS="torch==2.0.1 nvidia-cuda-nvrtc-cu11==11.7.99 nvidia-cuda-runtime-cu11==11.7.99 nvidia-cuda-cupti-cu11==11.7.101
  nvidia-cudnn-cu11==8.5.0.96 nvidia-cublas-cu11==11.10.3.66 nvidia-cufft-cu11==10.9.0.58 nvidia-curand-cu11==10.2.10.91
  nvidia-cusolver-cu11==11.4.0.1 nvidia-cusparse-cu11==11.7.4.91 nvidia-nccl-cu11==2.14.3 nvidia-nvtx-cu11==11.7.91"
[ -d "$BASE/usr/lib" ] || { echo "torch-root: no root at $BASE (bash scripts/debian-root.sh bullseye)" >&2; exit 69; }
mkdir -p "$CACHE"
[ "$(ls "$CACHE"/*.whl 2>/dev/null | wc -l)" -ge 12 ] || pip download --no-deps -q -d "$CACHE" $WHEELS
W=$(mktemp -d /var/tmp/ofdoctor-torch.XXXXXX)
trap 'rm -rf "$W"' EXIT
R=$W/root
cp -al "$BASE" "$R" 2>/dev/null || { rm -rf "$R"; cp -a "$BASE" "$R"; }
SP=/usr/local/lib/python3.9/dist-packages
mkdir -p "$R$SP"
for wheel in "$CACHE"/*.whl; do
  # (zip keeps each member's mode in its external attributes, as pip restores it)
  python3 - "$wheel" "$R$SP" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = info.external_attr >> 16 & 0o777
        if mode and not info.is_dir():
            os.chmod(path, mode)
PY
done
LLP=$(cd "$R$SP" && ls -d nvidia/*/lib | sed "s|^|$SP/|" | tr '\n' ':')$SP/torch/lib
status=0
cd "$HERE"
python3 tree.py "$OFD" "$R" "$SP" || status=1
python3 tree.py "$OFD" "$R" "$SP" "LD_LIBRARY_PATH=$LLP" || status=1
python3 tree.py "$OFD" "$R" "$SP" "LD_PRELOAD=$SP/torch/lib/$(cd "$R$SP/torch/lib" && ls libgomp-*.so.1)" || status=1
if [ -x /usr/bin/python3.11 ]; then PATH=/usr/bin:/bin python3 pymodules.py "$OFD" "$R$SP" || status=1; fi
exit $status
