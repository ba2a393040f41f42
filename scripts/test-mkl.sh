#!/bin/bash
# `make test-mkl`: issue 10 against the real Intel MKL (the `mkl` wheel on PyPI, the same
# libmkl_rt.so.2 conda ships). A root with MKL only in /opt/conda/lib and the seed's hand fix
# (libmkl_rt.so.2 alone linked into the system directory): the real program dies at its first
# BLAS call; `ofdoctor check` says OF005; after `fix --apply` the BLAS call succeeds; `undo`
# restores the root. The 254 MB wheel is cached outside the repository.
set -u
cd "$(dirname "$0")/.."
OFD=${OFD:-$PWD/.build/debug/ofdoctor}
CACHE=${MKL_CACHE:-/var/cache/ofdoctor-mkl}
pass=0; fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skip() { echo "SKIP: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (chroot in unshare -m)"
mkdir -p "$CACHE"
wheel=$(ls "$CACHE"/mkl-2023.1.0-*.whl 2>/dev/null | head -1)
if [ -z "$wheel" ]; then
  pip download --no-deps -q mkl==2023.1.0 -d "$CACHE" >/dev/null 2>&1 || skip "cannot download mkl==2023.1.0 from PyPI"
  wheel=$(ls "$CACHE"/mkl-2023.1.0-*.whl 2>/dev/null | head -1)
fi
[ -n "$wheel" ] || skip "no mkl wheel in $CACHE"
[ -x "$OFD" ] || { echo "build ofdoctor first (swift build)"; exit 1; }

W=$(mktemp -d /tmp/ofdoctor-mkl.XXXXXX)
trap 'rm -rf "$W"' EXIT
python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if '/lib/' in n and '.so' in n]" "$wheel" "$W/wheel"
MKLDIR=$(dirname "$(find "$W/wheel" -name libmkl_rt.so.2 | head -1)")
[ -f "$MKLDIR/libmkl_rt.so.2" ] || { bad "libmkl_rt.so.2 not in the wheel"; echo "$pass passed, $fail failed"; exit 1; }

. Tests/Fixtures/lib.sh
set +e   # lib.sh stops on errors; here a failing run is a result to report
R=$W/root
mkroot "$R"
launcher "$R"
mkdir -p "$R/opt/conda/lib" "$R/opt/app/bin"
cp -P "$MKLDIR"/*.so* "$R/opt/conda/lib/"
cat > "$W/blas.c" <<'C'
#include <stdio.h>
double cblas_ddot(const int n, const double *x, const int incx, const double *y, const int incy);
int main(int argc, char **argv) {
  if (argc > 1) { printf("started\n"); return 0; }
  double x[3] = {1, 2, 3}, y[3] = {4, 5, 6};
  printf("BLAS ok: %g\n", cblas_ddot(3, x, 1, y, 1));
  return 0;
}
C
gcc -o "$R/opt/app/bin/blasprog" "$W/blas.c" -L"$MKLDIR" -l:libmkl_rt.so.2 -Wl,--no-as-needed
ln -s /opt/conda/lib/libmkl_rt.so.2 "$R/$MULTIARCH/libmkl_rt.so.2"   # the seed's OF002 fix, as written
cache "$R"
cp Tests/Fixtures/run-in-root.sh "$W/run.sh"
ENV="MKL_THREADING_LAYER=SEQUENTIAL"
run() { echo "$ENV" | bash "$W/run.sh" "$R" - /opt/app/bin/blasprog blasprog "$@"; }

out=$(run -h 2>&1); [ $? = 0 ] && ok "the loader starts the program with the seed's fix" || bad "-h: $out"
out=$(run 2>&1); st=$?
if [ $st != 0 ] && echo "$out" | grep -q "libmkl_core.so.2"; then ok "first BLAS call fails: $(echo "$out" | head -1)"; else bad "expected an MKL load failure, got [$st] $out"; fi

json=$("$OFD" check --root "$R" --env "$ENV" --format json /opt/app/bin/blasprog); st=$?
[ $st = 1 ] && ok "check exits 1" || bad "check exit $st"
echo "$json" | grep -q '"id" : "OF005"' && ok "check reports OF005" || bad "no OF005 in: $json"

"$OFD" fix --apply --root "$R" --env "$ENV" /opt/app/bin/blasprog >/dev/null; st=$?
[ $st = 0 ] && ok "fix --apply exits 0 after its re-check" || bad "fix --apply exit $st"
out=$(run 2>&1); st=$?
if [ $st = 0 ] && echo "$out" | grep -q "BLAS ok: 32"; then ok "after fix --apply the BLAS call succeeds"; else bad "after fix: [$st] $out"; fi

"$OFD" undo --root "$R" >/dev/null && ok "undo" || bad "undo failed"
out=$(run 2>&1); [ $? != 0 ] && ok "after undo the BLAS call fails again" || bad "after undo it still runs: $out"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
