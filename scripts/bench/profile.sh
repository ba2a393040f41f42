#!/bin/bash
# profile.sh [BINARY] -- where ofdoctor spends its instructions: callgrind (valgrind) runs
# of `tree` and `check` on the 1,000-library wide closure and of the candidate search
# (run.sh builds both first), with the top functions by inclusive and self cost,
# demangled.  Output in .build/bench/profile/ (callgrind.out.* for callgrind_annotate or
# kcachegrind).  The release binary carries symbols, so function names are exact.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
unset LD_LIBRARY_PATH LD_PRELOAD
export PATH=/usr/bin:/bin:$PATH NO_COLOR=1
BIN=${1:-}
[ -n "$BIN" ] || { [ -x dist/ofdoctor ] && BIN=$REPO/dist/ofdoctor || BIN=$REPO/.build-bench/release/ofdoctor; }
command -v valgrind >/dev/null || { echo "profile: apt-get install -y valgrind" >&2; exit 69; }
OUT=$REPO/.build/bench/profile
mkdir -p "$OUT"
demangle() { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else swift demangle --simplified; fi; }
prof() {  # prof NAME ARGS...
  local name=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out.$name" "$BIN" "$@" >/dev/null 2>"$OUT/$name.log" || true
  echo "== $name: ofdoctor $* =="
  grep -m1 'Collected' "$OUT/$name.log" || true
  echo "-- inclusive --"
  callgrind_annotate --inclusive=yes "$OUT/callgrind.out.$name" 2>/dev/null | sed -n '/^-* *$/,$p' | grep -v '^-' \
    | sed -n '1,40p' | demangle | cut -c1-220
  echo "-- self --"
  callgrind_annotate "$OUT/callgrind.out.$name" 2>/dev/null | sed -n '/^-* *$/,$p' | grep -v '^-' \
    | sed -n '1,30p' | demangle | cut -c1-220
}
P=.build/bench/closure-1000-wide/bin/prog
[ -x "$P" ] || python3 "$HERE/gen-closure.py" 1000 wide .build/bench/closure-1000-wide
prof tree-1000 tree "$P"
prof check-1000 check "$P"
CR=.build/bench/conda-root/root
[ -d "$CR/opt/conda/pkgs" ] && prof search check --root "$CR" /usr/local/bin/benchprog
