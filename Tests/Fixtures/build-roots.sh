#!/bin/bash
# build-roots.sh OUTDIR -- container-like roots that reproduce the seed's OpenFace
# failures (OF001-OF004, and OF005: MKL's companions) with real ELF files.
#
# Each variant is OUTDIR/<variant>/root (the root filesystem) and
# OUTDIR/<variant>/env (the container's environment, one NAME=VALUE a line; an
# empty file means none).  Run a program in one with run-in-root.sh.  Every
# library is compiled once into OUTDIR/.stage (skipped when the sources have not
# changed) and copied into the variants; each root gets a cache from `ldconfig -r`.
#
# Layout (after design.md and openface.md):
#   /opt/OpenFace/build/bin/FeatureExtraction  no RPATH/RUNPATH; NEEDS the 4 OpenFace
#       libraries, libopencv_{core,imgcodecs,videoio}.so.406, libmkl_rt.so.2, libc.so.6
#   /opt/OpenFace/build/lib/lib{LandmarkDetector,FaceAnalyser,GazeAnalyser,Utilities}.so
#   /usr/lib/x86_64-linux-gnu: opencv (imgcodecs NEEDS libwebp.so.7; videoio NEEDS
#       libgobject-2.0.so.0 -> libffi.so.7 at LIBFFI_BASE_7.0), libffi.so.7.1.0 (3.3),
#       libwebp.so.6.0.2, [libwebp.so.7.1.5], [links to conda's MKL]
#   /opt/conda/lib: libmkl_{rt,core,intel_lp64,gnu_thread,def}.so.2, libiomp5.so,
#       libffi.so.8.1.2 (+ libffi.so.8, libffi.so.7 links), [libwebp.so.7.1.5]
#   /launch  static: `/launch PROGRAM ARGV0 ARGS...` (argv[0] as after a PATH lookup)
#
# Variants: healthy of001 of002 of003 of004 all of002-seed-fix of004-upstream
#           of001-conda-webp of001-incompatible (see the table at the end).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
SRC=$HERE/src
S=$OUT/.stage

# ---------------------------------------------------------------- staging
stage() {
  rm -rf "$S"; mkdir -p "$S"/of "$S"/cv "$S"/cv-anim "$S"/webp "$S"/ffi "$S"/ffi/anaconda "$S"/ffi/upstream "$S"/glib "$S"/mkl "$S"/bin
  local x
  gcc -static -O2 -o "$S/launch" "$SRC/launch.c"

  # OpenFace's own libraries: SONAME = file name, no RPATH (after `make install`)
  for x in LandmarkDetector FaceAnalyser GazeAnalyser Utilities; do
    solib "$S/of/lib$x.so" "lib$x.so" "$SRC/openface_lib.c" -DENTRY="${x}_init"
  done

  # libwebp: .so.6 (0.6.x) and .so.7 (1.x, which adds what imgcodecs-anim needs)
  solib "$S/webp/libwebp.so.6.0.2" libwebp.so.6 "$SRC/webp.c"
  solib "$S/webp/libwebp.so.7.1.5" libwebp.so.7 "$SRC/webp.c" -DWEBP7
  ln -s libwebp.so.6.0.2 "$S/webp/libwebp.so.6"; ln -s libwebp.so.7.1.5 "$S/webp/libwebp.so.7"

  # libffi: Debian's 3.3 (7.0 nodes); Anaconda's 3.4 (8.0 nodes, then the 7.0 nodes
  # appended: each symbol binds to 8.0, the 7.0 definitions are empty); upstream 3.4
  solib "$S/ffi/libffi.so.7.1.0" libffi.so.7 "$SRC/ffi.c" -Wl,--version-script="$SRC/ffi-3.3.map"
  ln -s libffi.so.7.1.0 "$S/ffi/libffi.so.7"
  cat "$SRC/ffi-3.4.map" "$SRC/ffi-3.3.map" > "$S/ffi/anaconda.map"
  solib "$S/ffi/anaconda/libffi.so.8.1.2" libffi.so.8 "$SRC/ffi.c" -Wl,--version-script="$S/ffi/anaconda.map"
  solib "$S/ffi/upstream/libffi.so.8.1.2" libffi.so.8 "$SRC/ffi.c" -Wl,--version-script="$SRC/ffi-3.4.map"

  solib "$S/glib/libgobject-2.0.so.0.6400.6" libgobject-2.0.so.0 "$SRC/gobject.c" "$S/ffi/libffi.so.7.1.0"
  ln -s libgobject-2.0.so.0.6400.6 "$S/glib/libgobject-2.0.so.0"

  # OpenCV 4.6 (Debian's libopencv*406)
  solib "$S/cv/libopencv_core.so.406" libopencv_core.so.406 "$SRC/opencv_core.c"
  solib "$S/cv/libopencv_imgcodecs.so.406" libopencv_imgcodecs.so.406 "$SRC/opencv_imgcodecs.c" "$S/webp/libwebp.so.7.1.5"
  solib "$S/cv-anim/libopencv_imgcodecs.so.406" libopencv_imgcodecs.so.406 "$SRC/opencv_imgcodecs.c" -DWEBP_ANIM "$S/webp/libwebp.so.7.1.5"
  solib "$S/cv/libopencv_videoio.so.406" libopencv_videoio.so.406 "$SRC/opencv_videoio.c" "$S/glib/libgobject-2.0.so.0.6400.6"

  # MKL 2023 (conda's mkl package): libmkl_rt.so.2 NEEDS only libdl + libc and
  # dlopens the rest; libiomp5.so is Intel's OpenMP runtime (SONAME libiomp5.so)
  solib "$S/mkl/libmkl_rt.so.2" libmkl_rt.so.2 "$SRC/mkl_rt.c" -l:libdl.so.2
  solib "$S/mkl/libmkl_core.so.2" libmkl_core.so.2 "$SRC/mkl_core.c" -l:libdl.so.2
  solib "$S/mkl/libmkl_gnu_thread.so.2" libmkl_gnu_thread.so.2 "$SRC/mkl_gnu_thread.c" -l:libdl.so.2
  solib "$S/mkl/libmkl_intel_lp64.so.2" libmkl_intel_lp64.so.2 "$SRC/mkl_plain.c" -DENTRY=mkl_blas_sgemm -l:libdl.so.2
  solib "$S/mkl/libmkl_def.so.2" libmkl_def.so.2 "$SRC/mkl_plain.c" -DENTRY=mkl_blas_def_sgemm -l:libdl.so.2
  solib "$S/mkl/libiomp5.so" libiomp5.so "$SRC/mkl_plain.c" -DENTRY=omp_get_max_threads -l:libdl.so.2

  # FeatureExtraction: DT_NEEDED in link order, no RPATH or RUNPATH
  program "$S/bin/FeatureExtraction" "$SRC/feature_extraction.c" \
    "$S"/of/libLandmarkDetector.so "$S"/of/libFaceAnalyser.so "$S"/of/libGazeAnalyser.so "$S"/of/libUtilities.so \
    "$S"/cv/libopencv_core.so.406 "$S"/cv/libopencv_imgcodecs.so.406 "$S"/cv/libopencv_videoio.so.406 \
    "$S"/mkl/libmkl_rt.so.2 \
    -Wl,-rpath-link,"$S/webp:$S/glib:$S/ffi"
}

stamp=$(cat $(find "$SRC" -maxdepth 1 -type f | sort) "$HERE/build-roots.sh" "$HERE/lib.sh" /lib/x86_64-linux-gnu/libc.so.6 | sha256sum | cut -c1-16)
if [ "$(cat "$S/.stamp" 2>/dev/null)" != "$stamp" ]; then
  stage
  echo "$stamp" > "$S/.stamp"
fi

# ---------------------------------------------------------------- variants
MKL_FAMILY="libmkl_rt.so.2 libmkl_core.so.2 libmkl_intel_lp64.so.2 libmkl_gnu_thread.so.2 libmkl_def.so.2 libiomp5.so"

# variant NAME [options] [-- NAME=VALUE...]
#   --no-webp7        the system has only libwebp.so.6 (OF001)
#   --mkl all|rt|none which of conda's MKL family is linked into the system dir (OF002/OF005)
#   --ffi anaconda|upstream  conda's libffi 3.4 build (OF004)
#   --conda-webp7     /opt/conda/lib also has a real libwebp.so.7
#   --webp-anim       imgcodecs imports a function that only libwebp.so.7 defines
#   -- NAME=VALUE...  the container's environment
# openface_models DIR -- OpenFace's run-time data as `make install` lays it out under
# DIR (etc/OpenFace of the install prefix, or the source tree's lib/local/…); the CEN patch
# experts are sparse 2 MiB files (real ones are tens of MB; only size and content kind matter).
openface_models() {
  local m=$1 s
  mkdir -p "$m/model/pdms" "$m/model/patch_experts" "$m/model/mtcnn_detector" "$m/AU_predictors/svm_combined" "$m/classifiers"
  echo "LandmarkDetector cen_general.txt" > "$m/model/main_ceclm_general.txt"
  echo "patch_experts/cen_patches_0.25_of.dat" > "$m/model/cen_general.txt"
  echo "68 points" > "$m/model/pdms/In-the-wild_aligned_PDM_68.txt"
  echo "111 triangles" > "$m/model/tris_68.txt"
  for s in 0.25 0.35 0.50 1.00; do
    printf 'CEN' > "$m/model/patch_experts/cen_patches_${s}_of.dat"; truncate -s 2M "$m/model/patch_experts/cen_patches_${s}_of.dat"
  done
  echo "PNet.dat RNet.dat ONet.dat" > "$m/model/mtcnn_detector/MTCNN_detector.txt"
  for s in PNet RNet ONet; do echo "$s weights" > "$m/model/mtcnn_detector/$s.dat"; done
  echo "svm_combined/AU_01_dynamic.dat" > "$m/AU_predictors/main_dynamic_svms.txt"
  echo "svm_combined/AU_01_dynamic.dat" > "$m/AU_predictors/AU_all_best.txt"
  echo "AU 01 weights" > "$m/AU_predictors/svm_combined/AU_01_dynamic.dat"
  echo '<?xml version="1.0"?><opencv_storage></opencv_storage>' > "$m/classifiers/haarcascade_frontalface_alt.xml"
}

variant() {
  local name=$1; shift
  local webp7=yes mkl=all ffi=anaconda conda_webp7=no codecs=cv models=installed
  while [ $# -gt 0 ]; do
    case $1 in
      --models) models=$2; shift ;;
      --no-webp7) webp7=no ;;
      --mkl) mkl=$2; shift ;;
      --ffi) ffi=$2; shift ;;
      --conda-webp7) conda_webp7=yes ;;
      --webp-anim) codecs=cv-anim ;;
      --) shift; break ;;
      *) echo "variant $name: unknown option $1" >&2; exit 70 ;;
    esac
    shift
  done
  local d=$OUT/$name.new
  local r=$d/root sys conda of
  rm -rf "$d"; mkdir -p "$d"
  mkroot "$r"
  sys=$r/$MULTIARCH; conda=$r/opt/conda/lib; of=$r/opt/OpenFace/build
  mkdir -p "$conda" "$of/bin" "$of/lib"
  cp "$S/launch" "$r/launch"

  cp "$S/bin/FeatureExtraction" "$of/bin/"
  cp "$S"/of/*.so "$of/lib/"
  # installed: all data under the prefix; no-cen: the CEN files only in the source tree (they
  # arrived after cmake ran); none: nowhere (download_models.sh was never run).
  case $models in
    installed) openface_models "$of/etc/OpenFace" ;;
    no-cen) openface_models "$of/etc/OpenFace"; rm -f "$of"/etc/OpenFace/model/patch_experts/*.dat
            openface_models "$r/opt/OpenFace/lib/local/LandmarkDetector" ;;
    none) openface_models "$of/etc/OpenFace"; rm -f "$of"/etc/OpenFace/model/patch_experts/*.dat ;;
    *) echo "--models $models?" >&2; exit 70 ;;
  esac

  cp "$S/cv/libopencv_core.so.406" "$S/cv/libopencv_videoio.so.406" "$S/$codecs/libopencv_imgcodecs.so.406" "$sys/"
  cp -P "$S"/glib/libgobject-2.0.so.0* "$S"/ffi/libffi.so.7* "$S"/webp/libwebp.so.6* "$sys/"
  [ "$webp7" = no ] || cp -P "$S"/webp/libwebp.so.7* "$sys/"

  cp "$S"/mkl/* "$conda/"
  cp "$S/ffi/$ffi/libffi.so.8.1.2" "$conda/"
  ln -s libffi.so.8.1.2 "$conda/libffi.so.8"; ln -s libffi.so.8 "$conda/libffi.so.7"
  [ "$conda_webp7" = no ] || cp -P "$S"/webp/libwebp.so.7* "$conda/"

  local f links=
  case $mkl in all) links=$MKL_FAMILY ;; rt) links=libmkl_rt.so.2 ;; none) ;; *) echo "--mkl $mkl?" >&2; exit 70 ;; esac
  for f in $links; do ln -s "/opt/conda/lib/$f" "$sys/$f"; done

  : > "$d/env"
  for f in "$@"; do printf '%s\n' "$f" >> "$d/env"; done
  cache "$r"
  rm -rf "${OUT:?}/$name"; mv "$d" "$OUT/$name"
}

OFLIB=/opt/OpenFace/build/lib
variant healthy                                        -- LD_LIBRARY_PATH=$OFLIB
variant of001 --no-webp7                               -- LD_LIBRARY_PATH=$OFLIB
variant of002 --mkl none                               -- LD_LIBRARY_PATH=$OFLIB
variant of003                                          --
variant of004                                          -- LD_LIBRARY_PATH=$OFLIB:/opt/conda/lib
variant all --no-webp7 --mkl none                      -- LD_LIBRARY_PATH=/opt/conda/lib
variant of002-seed-fix --mkl rt                        -- LD_LIBRARY_PATH=$OFLIB
variant of004-upstream --ffi upstream                  -- LD_LIBRARY_PATH=$OFLIB:/opt/conda/lib
variant of001-conda-webp --no-webp7 --conda-webp7      -- LD_LIBRARY_PATH=$OFLIB
variant of001-incompatible --no-webp7 --webp-anim      -- LD_LIBRARY_PATH=$OFLIB
variant models-no-cen --models no-cen                  -- LD_LIBRARY_PATH=$OFLIB
variant models-none --models none                      -- LD_LIBRARY_PATH=$OFLIB
echo "fixture roots in $OUT"
