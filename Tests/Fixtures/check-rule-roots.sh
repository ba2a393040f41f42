#!/bin/bash
# check-rule-roots.sh OUTDIR [NAME...] -- for each rule root built by
# build-rule-roots.sh, print what the real loader does inside it: the program run
# as the container would run it, `ld.so --list PROGRAM`, and ldd's trace mode
# (LD_TRACE_LOADED_OBJECTS=1, which goes on past a missing library).  For eyeballing;
# nothing is compared.  Needs root.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [NAME...]" >&2; exit 64; }
OUT=$(cd "$1" && pwd)/rules; shift
[ $# -gt 0 ] || set -- $(cd "$OUT" && ls)
show() { sed 's/ (0x[0-9a-f]*)//; s/^/      /'; }
for n in "$@"; do
  d=$OUT/$n; p=$(cat "$d/program")
  printf '=== %s   program %s   env: %s\n' "$n" "$p" "$(tr '\n' ' ' < "$d/env")"
  echo "  run:"
  bash "$HERE/run-in-root.sh" "$d/root" "$d/env" "$p" "$(basename "$p")" 2>&1 | show; echo "      [exit ${PIPESTATUS[0]}]"
  echo "  ld.so --list:"
  bash "$HERE/run-in-root.sh" "$d/root" "$d/env" /lib64/ld-linux-x86-64.so.2 ld.so --list "$p" 2>&1 | show; echo "      [exit ${PIPESTATUS[0]}]"
  echo "  trace (ldd):"
  { cat "$d/env"; echo LD_TRACE_LOADED_OBJECTS=1; } | bash "$HERE/run-in-root.sh" "$d/root" - /lib64/ld-linux-x86-64.so.2 ld.so "$p" 2>&1 | show; echo "      [exit ${PIPESTATUS[1]}]"
done
