#!/bin/bash
# run.sh -- `make bench`: ofdoctor against the tools a user would reach for instead,
# side by side on the same closures, in one run.
#
#   ofdoctor tree PROG   vs  libtree PROG, ld.so --list PROG   (dependency tree)
#   ofdoctor check PROG  vs  ldd -r PROG            (full symbol-level analysis)
#   also ldd PROG and lddtree PROG (pax-utils)
#
# Closures: sourcekit-lsp, gdb, a tiny OpenCV GUI program (100+ libraries), and synthetic
# closures of 100, 1,000 and 5,000 libraries, wide and deep (gen-closure.py, cached in
# .build/bench/).  Then peak memory at 5,000 libraries (/usr/bin/time -v), and the
# candidate search in a root with a conda-like tree of 100,000 files: the broken
# FeatureExtraction stand-in (its OpenFace libraries and MKL missing, copies where such
# copies usually are), `ofdoctor check --root` against `ldd -r` of the same program in
# that root; and a program whose only copy of its library lies deep in the package cache
# (every stage of the search) against `find ROOT -name LIB`.  Last, a Debian 11 root with
# ffmpeg (scripts/debian-root.sh bullseye-ffmpeg): ffmpeg inside it, and its ELF files one
# call after another, per call.
#
# Each command runs under hyperfine (-N, no shell; -i, since `check` exits 1/2 on
# problems): one warm-up, then BENCH_MIN_RUNS..BENCH_MAX_RUNS runs (default 3..10, within
# hyperfine's 3-second budget per command), in BENCH_ROUNDS rounds (default 3; above 2,000
# libraries one for the loader's tools): every command of a closure, then all of them again, so that a slow
# minute of the shared machine falls on the commands a ratio compares alike; a median is
# taken over the runs of all rounds.  Medians and ratios are printed as a table
# and written to docs/performance.md (between its bench markers), with the machine.
#
# Binary under test: dist/ofdoctor when present (make release), else a release build in
# .build-bench.  Environment: BENCH_SIZES (default "100 1000 5000"), BENCH_SKIP_REAL=1,
# BENCH_MIN_RUNS, BENCH_MAX_RUNS, BENCH_ROUNDS, OFDOCTOR (a binary to use instead), BENCH_DOC (write
# the report there instead of docs/performance.md), BENCH_SKIP_DEBIAN=1, BENCH_DEBIAN_ROOT,
# BENCH_PER_CALL_FILES (default 400).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
OUT=$REPO/.build/bench
RES=$OUT/results
mkdir -p "$OUT"
rm -rf "$RES"; mkdir -p "$RES"
unset LD_LIBRARY_PATH LD_PRELOAD   # every tool sees the same, default environment
# lddtree is `#!/usr/bin/env python3` and needs Debian's python3-pyelftools: the system
# python must come first on PATH (not a pyenv or venv one)
export PATH=/usr/bin:/bin:$PATH
export NO_COLOR=1
SIZES=${BENCH_SIZES:-100 1000 5000}
MIN_RUNS=${BENCH_MIN_RUNS:-3}
MAX_RUNS=${BENCH_MAX_RUNS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
T0=$(date +%s)
LDSO=/lib64/ld-linux-x86-64.so.2
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

need() { command -v "$1" >/dev/null || { echo "bench: '$1' is not installed ($2)" >&2; exit 69; }; }
need hyperfine "apt-get install -y hyperfine"
need libtree "apt-get install -y libtree"
need lddtree "apt-get install -y pax-utils"
need ldd "libc-bin"
python3 -c 'import elftools' 2>/dev/null || { echo "bench: lddtree needs python3-pyelftools (apt-get install -y python3-pyelftools)" >&2; exit 69; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 69; }

# ---------------------------------------------------------------- binary under test
if [ -n "${OFDOCTOR:-}" ]; then
  BIN=$OFDOCTOR; BIN_FROM="\$OFDOCTOR ($OFDOCTOR)"
elif [ -x dist/ofdoctor ]; then
  BIN=$REPO/dist/ofdoctor; BIN_FROM="dist/ofdoctor (make release)"
else
  echo "bench: no dist/ofdoctor; building swift build -c release --scratch-path .build-bench" >&2
  swift build -c release --scratch-path .build-bench --product ofdoctor >&2
  BIN=$REPO/.build-bench/release/ofdoctor; BIN_FROM=".build-bench/release/ofdoctor (swift build -c release)"
fi
echo "bench: binary under test: $BIN_FROM" >&2

# ---------------------------------------------------------------- targets
TARGETS=()   # "label|path|libraries"
add_target() { TARGETS+=("$1|$2"); }

if [ "${BENCH_SKIP_REAL:-0}" != 1 ]; then
  [ -x /opt/swift/usr/bin/sourcekit-lsp ] && add_target sourcekit-lsp /opt/swift/usr/bin/sourcekit-lsp
  [ -x /usr/bin/gdb ] && add_target gdb /usr/bin/gdb
  if pkg-config --exists opencv4 2>/dev/null; then
    mkdir -p "$OUT/cvprog"
    if [ ! -x "$OUT/cvprog/cvprog" ] || [ "$HERE/cvprog.cpp" -nt "$OUT/cvprog/cvprog" ]; then
      # shellcheck disable=SC2046
      g++ -O1 -o "$OUT/cvprog/cvprog" "$HERE/cvprog.cpp" $(pkg-config --cflags --libs opencv4)
    fi
    add_target opencv-gui "$OUT/cvprog/cvprog"
  else
    echo "bench: opencv4 not found (apt-get install -y libopencv-dev): skipping the OpenCV program" >&2
  fi
fi
for n in $SIZES; do
  for shape in wide deep; do
    python3 "$HERE/gen-closure.py" "$n" "$shape" "$OUT/closure-$n-$shape"
    add_target "syn-$n-$shape" "$OUT/closure-$n-$shape/bin/prog"
  done
done

# ---------------------------------------------------------------- timings
# one hyperfine run per target and command, so that each command gets its own budget
WARMUP=1 RUNS_LO=$MIN_RUNS
hf() {  # hf JSON NAME COMMAND...  (hfquick: the same, with a warm-up and MIN_RUNS runs always)
  local json=$1 name=$2; shift 2
  hyperfine -N -i --style none --warmup "$WARMUP" --min-runs "$RUNS_LO" --max-runs "$MAX_RUNS" \
    --export-json "$json" -n "$name" -- "$*" >/dev/null 2>"$json.err" \
    || { echo "bench: hyperfine failed for '$*' (see $json.err)" >&2; rm -f "$json"; }
}
# The tools that read a 5,000-library closure in well under a second get their warm-up run
# and MIN_RUNS there too: two cold-ish runs of them were what moved the scaling exponent.
hfquick() {
  local warmup=$WARMUP runs=$RUNS_LO
  WARMUP=1 RUNS_LO=$MIN_RUNS
  hf "$@"
  WARMUP=$warmup RUNS_LO=$runs
}
for t in "${TARGETS[@]}"; do
  label=${t%%|*}; prog=${t#*|}
  libs=$(ldd "$prog" 2>/dev/null | grep -c '=>' || true)   # also warms the page cache
  # above 2,000 libraries the loader's tools (ld.so --list, ldd, ldd -r) and lddtree get no
  # warm-up run (the ldd above has read every file already) and at least 2 runs instead of
  # 3: one of their runs takes 1-30 s
  if [ "$libs" -gt 2000 ]; then WARMUP=0; RUNS_LO=2; else WARMUP=1; RUNS_LO=$MIN_RUNS; fi
  echo "$label $libs $prog" >> "$RES/targets"
  # how much of the closure libtree shows (it stops at depth 32, even with --max-depth):
  # the distinct library paths it prints.  (lddtree fails outright past Python's
  # recursion limit: a non-zero exit, marked in the table.)
  echo "$label|libtree|$(libtree -p "$prog" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u | wc -l)" >> "$RES/shown"
  echo "bench: $label ($libs libraries)" >&2
  # Above 2,000 libraries the loader's tools (a run of ldd -r takes seconds) get one round;
  # the three that take well under a second a run (ofdoctor tree and check, libtree) get all
  # rounds there too, as at the smaller sizes the scaling exponent compares them with: one
  # round in a slow minute read as a FAIL of the linear goal (sessions 36 and 40).
  slow_rounds=$ROUNDS; [ "$libs" -gt 2000 ] && slow_rounds=1
  for round in $(seq 1 "$ROUNDS"); do
    r=""; [ "$round" -gt 1 ] && r=".r$round"
    hfquick "$RES/$label.ofdoctor-tree$r.json"  "ofdoctor tree"  "$BIN" tree "$prog"
    hfquick "$RES/$label.libtree$r.json"        "libtree"        libtree "$prog"
    [ "$round" -le "$slow_rounds" ] && hf "$RES/$label.ldso-list$r.json" "ld.so --list" "$LDSO" --list "$prog"
    hfquick "$RES/$label.ofdoctor-check$r.json" "ofdoctor check" "$BIN" check "$prog"
    [ "$round" -le "$slow_rounds" ] && hf "$RES/$label.ldd-r$r.json" "ldd -r" ldd -r "$prog"
    # (lddtree, a Python program taking 0.1-3 s a run, and ldd compare with nothing: one round)
    [ "$round" -gt 1 ] && continue
    hf "$RES/$label.ldd.json"            "ldd"            ldd "$prog"
    hf "$RES/$label.lddtree.json"        "lddtree"        lddtree "$prog"
  done
  "$BIN" check "$prog" >/dev/null 2>&1 && echo "$label 0" >> "$RES/check-status" \
    || echo "$label $?" >> "$RES/check-status"
done

# ---------------------------------------------------------------- peak memory
big=$(for n in $SIZES; do echo "$n"; done | sort -n | tail -1)
for shape in wide deep; do
  prog=$OUT/closure-$big-$shape/bin/prog
  [ -x "$prog" ] || continue
  for tool in "ofdoctor tree|$BIN tree" "ofdoctor check|$BIN check" "libtree|libtree" "ldd -r|ldd -r" \
              "ldd|ldd" "lddtree|lddtree"; do
    name=${tool%%|*}; cmd=${tool#*|}
    # ldd is a shell script: -v reports the largest process of the run (ld.so itself)
    # shellcheck disable=SC2086
    /usr/bin/time -o "$RES/rss" -f '%M' $cmd "$prog" >/dev/null 2>&1 || true
    kb=$(tail -1 "$RES/rss")
    echo "syn-$big-$shape|$name|$kb" >> "$RES/memory"
  done
done

# ---------------------------------------------------------------- candidate search
CR=$OUT/conda-root
FIX=$OUT/fixtures
FE=/opt/OpenFace/build/bin/FeatureExtraction
# the root is a copy of the `healthy` fixture root, rebuilt only when Tests/Fixtures changes
# (build-roots.sh takes minutes on a busy machine), broken as the seed's image was: MKL not
# linked into the system directory (OF002) and, run without LD_LIBRARY_PATH, OpenFace's own
# libraries not found (OF003)
if [ ! -f "$CR/stamp" ] || [ ! -d "$CR/root" ] || [ -n "$(find Tests/Fixtures scripts/bench/run.sh -type f -newer "$CR/stamp" | head -1)" ]; then
  rm -rf "$CR"
  if bash Tests/Fixtures/build-roots.sh "$FIX" >"$OUT/fixtures.log" 2>&1 && [ -d "$FIX/healthy/root" ]; then
    mkdir -p "$CR/src"
    cp -a "$FIX/healthy/root" "$CR/root"
    find "$CR/root/usr/lib/x86_64-linux-gnu" -maxdepth 1 -type l -lname '/opt/conda/lib/*' -delete
    ldconfig -r "$CR/root"
    printf 'int benchmiss_entry(void) { return 7; }\n' > "$CR/src/miss.c"
    printf 'int benchmiss_entry(void);\nint main(void) { return benchmiss_entry() - 7; }\n' > "$CR/src/prog.c"
    gcc -shared -fPIC -o "$CR/src/libbenchmiss.so.1" -Wl,-soname,libbenchmiss.so.1 "$CR/src/miss.c"
    mkdir -p "$CR/root/usr/local/bin"
    gcc -o "$CR/root/usr/local/bin/benchprog" "$CR/src/prog.c" "$CR/src/libbenchmiss.so.1"
    date > "$CR/stamp"
  else
    echo "bench: Tests/Fixtures/build-roots.sh failed (see $OUT/fixtures.log): skipping the candidate search" >&2
  fi
fi
if [ -f "$CR/stamp" ]; then
  found=$(python3 "$HERE/gen-conda-tree.py" "$CR/root/opt/conda" 100000 "$CR/src/libbenchmiss.so.1")
  if [ ! -f "$CR/counts" ] || [ "$CR/root/opt/conda/.stamp" -nt "$CR/counts" ]; then
    echo "$(find "$CR/root/opt/conda" -type f | wc -l) $(find "$CR/root/opt/conda" -type d | wc -l)" > "$CR/counts"
  fi
  echo "$(cat "$CR/counts") ${found#"$CR/root"}" > "$RES/conda-tree"
  # the closure loop may have left WARMUP=0 (large closures): the first walk of a freshly
  # generated tree is cold for both tools, so warm up here
  WARMUP=1 RUNS_LO=$MIN_RUNS
  # FeatureExtraction: ofdoctor's whole check (diagnosis, candidate search, plan and its
  # proof) against what `ldd -r` runs, in the root: the root's own loader with ldd's
  # variables (chroot; the root has no bash for ldd's script, whose start is left out)
  for round in $(seq 1 "$ROUNDS"); do
    r=""; [ "$round" -gt 1 ] && r=".r$round"
    hf "$RES/conda.ofdoctor-check$r.json" "ofdoctor check --root" "$BIN" check --root "$CR/root" "$FE"
    hf "$RES/conda.ldd-r$r.json" "ldd -r (in the root)" chroot "$CR/root" /usr/bin/env -i LD_TRACE_LOADED_OBJECTS=1 \
      LD_BIND_NOW=yes LD_WARN=yes "$LDSO" "$FE"
  done
  "$BIN" check --root "$CR/root" --format json "$FE" > "$RES/conda.check.json" 2>&1 || true
  hf "$RES/search.ofdoctor-check.json" "ofdoctor check --root" "$BIN" check --root "$CR/root" /usr/local/bin/benchprog
  hf "$RES/search.find.json" "find -name" find "$CR/root" -name libbenchmiss.so.1
  "$BIN" check --root "$CR/root" /usr/local/bin/benchprog > "$RES/search.check.txt" 2>&1 || true
  "$BIN" check --root "$CR/root" --format json /usr/local/bin/benchprog > "$RES/search.check.json" 2>&1 || true
  /usr/bin/time -o "$RES/rss" -f '%M' "$BIN" check --root "$CR/root" /usr/local/bin/benchprog >/dev/null 2>&1 || true
  kb=$(tail -1 "$RES/rss")
  echo "conda-tree|ofdoctor check --root|$kb" >> "$RES/memory"
fi

# ---------------------------------------------------------------- a Debian 11 root
# ffmpeg in a Debian 11 root (glibc 2.31, the OpenFace image's), measured inside it: the
# static ofdoctor copied in and run with chroot, as the root's own loader, ldd and ldd -r
# are (the root has no libtree or lddtree). Then the root's ELF files one call after
# another, per call: ofdoctor from outside (--root), the loader's tools inside the root (one
# chroot, then a call a file). Built once by scripts/debian-root.sh (debootstrap from the
# machine's mirror) and cached; BENCH_SKIP_DEBIAN=1 leaves it out.
DR=${BENCH_DEBIAN_ROOT:-/var/cache/ofdoctor-bullseye-ffmpeg}
PER_CALL=${BENCH_PER_CALL_FILES:-400}
if [ "${BENCH_SKIP_DEBIAN:-0}" != 1 ] && { [ -x "$DR/usr/bin/ffmpeg" ] || bash scripts/debian-root.sh bullseye-ffmpeg "$DR" >&2; } \
   && [ -x "$DR/usr/bin/ffmpeg" ]; then
  mounted=
  if ! mountpoint -q "$DR/proc"; then
    mount -t proc proc "$DR/proc" && mounted=1
    trap 'umount "$DR/proc" 2>/dev/null || true' EXIT   # (also when the bench stops early)
  fi
  cp "$BIN" "$DR/tmp/ofdoctor-bench"
  WARMUP=1 RUNS_LO=$MIN_RUNS
  libs=$(chroot "$DR" /usr/bin/ldd /usr/bin/ffmpeg 2>/dev/null | grep -c '=>' || true)
  echo "debian-ffmpeg $libs $DR/usr/bin/ffmpeg" >> "$RES/debian"
  hf "$RES/debian-ffmpeg.ofdoctor-tree.json"  "ofdoctor tree"  chroot "$DR" /tmp/ofdoctor-bench tree /usr/bin/ffmpeg
  hf "$RES/debian-ffmpeg.ldso-list.json"      "ld.so --list"   chroot "$DR" /lib64/ld-linux-x86-64.so.2 --list /usr/bin/ffmpeg
  hf "$RES/debian-ffmpeg.ofdoctor-check.json" "ofdoctor check" chroot "$DR" /tmp/ofdoctor-bench check /usr/bin/ffmpeg
  hf "$RES/debian-ffmpeg.ldd-r.json"          "ldd -r"         chroot "$DR" /usr/bin/ldd -r /usr/bin/ffmpeg
  hf "$RES/debian-ffmpeg.ldd.json"            "ldd"            chroot "$DR" /usr/bin/ldd /usr/bin/ffmpeg
  # every ELF program and shared object of the root (no links), PER_CALL of them evenly
  # spaced in path order when there are more
  python3 - "$DR" "$PER_CALL" > "$RES/debian-files" <<'PY'
import os, struct, sys
root, keep = sys.argv[1], int(sys.argv[2])
found = []
for top in ("usr", "lib", "lib64", "bin", "sbin", "opt"):
    start = os.path.join(root, top)
    if os.path.islink(start) or not os.path.isdir(start):
        continue
    for d, dirs, files in os.walk(start):
        for name in files:
            path = os.path.join(d, name)
            try:
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                with open(path, "rb") as f:
                    head = f.read(18)
            except OSError:
                continue
            if len(head) == 18 and head[:4] == b"\x7fELF" and head[4] == 2 and struct.unpack_from("<H", head, 16)[0] in (2, 3):
                found.append(path[len(root):])
found.sort()
step = max(1, len(found) / keep) if keep else 1
chosen = sorted({found[int(i * step)] for i in range(min(keep, len(found)))}) if keep else found
print(len(found))
print("\n".join(chosen))
PY
  tail -n +2 "$RES/debian-files" > "$DR/tmp/ofdoctor-bench-files"
  # (a run is a whole pass over the files; a pass before them warms the page cache)
  percall() {  # percall JSON NAME SCRIPT: SCRIPT reads the file list on stdin
    local json=$1 name=$2 script=$3
    hyperfine -N -i --style none --warmup 1 --runs 3 --export-json "$json" -n "$name" -- "$script" >/dev/null 2>"$json.err" \
      || { echo "bench: hyperfine failed for $name (see $json.err)" >&2; rm -f "$json"; }
  }
  list=$DR/tmp/ofdoctor-bench-files
  percall "$RES/debian-files.ofdoctor-tree.json" "ofdoctor tree --root" \
    "bash -c 'while read -r f; do \"\$0\" tree --root \"\$1\" \"\$f\" >/dev/null 2>&1; done < \"\$2\"' $BIN $DR $list"
  percall "$RES/debian-files.ofdoctor-check.json" "ofdoctor check --root" \
    "bash -c 'while read -r f; do \"\$0\" check --root \"\$1\" \"\$f\" >/dev/null 2>&1; done < \"\$2\"' $BIN $DR $list"
  percall "$RES/debian-files.ldso-list.json" "ld.so --list (in the root)" \
    "chroot $DR /bin/bash -c 'while read -r f; do /lib64/ld-linux-x86-64.so.2 --list \"\$f\" >/dev/null 2>&1; done < /tmp/ofdoctor-bench-files'"
  percall "$RES/debian-files.ldd-r.json" "ldd -r (in the root)" \
    "chroot $DR /bin/bash -c 'while read -r f; do /usr/bin/ldd -r \"\$f\" >/dev/null 2>&1; done < /tmp/ofdoctor-bench-files'"
  rm -f "$DR/tmp/ofdoctor-bench" "$DR/tmp/ofdoctor-bench-files"
  if [ -n "$mounted" ]; then umount "$DR/proc"; trap - EXIT; fi
else
  echo "bench: no Debian 11 root with ffmpeg at $DR: skipping its rows" >&2
fi

# ---------------------------------------------------------------- machine and report
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "memory=$(free -g | awk '/^Mem:/{print $2 " GiB"}')"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "binary=$BIN_FROM"
  echo "ofdoctor=$("$BIN" --version 2>/dev/null | head -1)"
  echo "libtree=libtree $(libtree --version 2>&1 | head -1)"
  echo "lddtree=pax-utils $(dpkg-query -W -f '${Version}' pax-utils 2>/dev/null)"
  echo "ldd=$(ldd --version | head -1)"
  echo "hyperfine=$(hyperfine --version)"
  echo "swift=$(swift --version 2>/dev/null | head -1)"
  echo "gcc=$(gcc --version | head -1)"
  echo "runs=$MIN_RUNS..$MAX_RUNS runs (hyperfine -N -i, 3-second budget per command) after 1 warm-up, in $ROUNDS rounds and for FeatureExtraction's pair (every command once, then again; ldd and lddtree one round), medians over all rounds' runs (above 2,000 libraries, ld.so --list and ldd -r one round, and ld.so --list, ldd, ldd -r and lddtree 2..$MAX_RUNS runs, no warm-up)"
  echo "seconds=$(( $(date +%s) - T0 ))"
  echo "load=$LOAD_BEFORE at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (1, 5, 15 minutes)"
  echo "ldso=$("$LDSO" --version | head -1)"
  for n in $SIZES; do for shape in wide deep; do
    [ -f "$OUT/closure-$n-$shape/build-seconds" ] && echo "build-$n-$shape=$(cat "$OUT/closure-$n-$shape/build-seconds")"
  done; done
} > "$RES/machine"
python3 "$HERE/report.py" "$RES" "${BENCH_DOC:-$REPO/docs/performance.md}"
