#!/bin/bash
# retarget-rule-roots.sh OUTDIR GLIBC_ROOT NAME -- the rule roots again, with another
# glibc's loader and libraries: OUTDIR/rules-NAME/<rule> is OUTDIR/rules/<rule> with
# ld.so, libc.so.6, libdl, libm and libpthread copied from GLIBC_ROOT (a Debian root of a
# newer glibc than the compiler's: the programs were linked against the older one, which
# the newer keeps every version of). The caches stay as the host's ldconfig wrote them,
# as they would after an `ldconfig -r` from this host. Nothing expected is stored: the
# root's own loader is the oracle (RuleRootDifferentialTests).
set -eu
[ $# -eq 3 ] || { echo "usage: $0 OUTDIR GLIBC_ROOT NAME" >&2; exit 64; }
out=$(cd "$1" && pwd); glibc=$2; name=$3
lib=usr/lib/x86_64-linux-gnu
[ -d "$out/rules" ] || { echo "retarget-rule-roots.sh: no rule roots in $out/rules (build-rule-roots.sh first)" >&2; exit 1; }
[ -e "$glibc/$lib/libc.so.6" ] || { echo "retarget-rule-roots.sh: no $glibc/$lib/libc.so.6" >&2; exit 1; }
rm -rf "$out/rules-$name.new"
cp -a "$out/rules" "$out/rules-$name.new"
for root in "$out/rules-$name.new"/*/root; do
  for f in ld-linux-x86-64.so.2 libc.so.6 libdl.so.2 libm.so.6 libpthread.so.0; do
    if [ -e "$root/$lib/$f" ] || [ -L "$root/$lib/$f" ]; then
      rm -f "$root/$lib/$f"; cp -L "$glibc/$lib/$f" "$root/$lib/$f"
    fi
  done
done
rm -rf "$out/rules-$name"; mv "$out/rules-$name.new" "$out/rules-$name"
echo "rule roots with $glibc's glibc in $out/rules-$name"
