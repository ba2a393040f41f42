#!/bin/bash
# build-injection-roots.sh OUTDIR -- roots whose names attack the outputs ofdoctor writes
# for a shell, a Dockerfile, a dotenv file and a terminal (issue 15, item 2). Each is
# OUTDIR/<name>/{root,env,program}; every root also has /bin/ln and /sbin/ldconfig so
# that a generated script can run in it under chroot.
#   soname-link  /app/bin/prog NEEDS `lib$(touch PWNED)`touch PWNED2`.so`, found only in
#                `/opt/x$(touch PWNED3)`, which also holds a libm.so.6 (so the plan links
#                the one library rather than put the directory on a search path)
#   quote-env    NEEDS libq.so.1, found only in `/opt/it's $(touch PWNED4)`; ld.so.conf
#                reads no ld.so.conf.d, so the plan cannot list the directory there, and a
#                copy built for another machine (which the loader passes over) takes the
#                name in each default directory, so no link can be made there either: the
#                plan sets LD_LIBRARY_PATH to it
#   newline-env  NEEDS libn.so.1, found only in a directory whose name holds a newline and
#                a Dockerfile instruction (the same set-up)
#   terminal     NEEDS a library whose name holds ESC, OSC and BEL bytes, found nowhere
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
printf 'int injected(void) { return 0; }\n' > "$W/lib.c"
printf 'int main(void) { return 0; }\n' > "$W/prog.c"

# begin NAME: a fresh root in $R with the tools a generated script calls
begin() {
  NAME=$1; D=$OUT/$NAME.new; R=$D/root; rm -rf "$D"; mkdir -p "$D"; mkroot "$R"
  mkdir -p "$R/app/bin" "$R/sbin"
  cp -L /bin/ln "$R/usr/bin/ln"; cp -L /sbin/ldconfig "$R/sbin/ldconfig"
  program "$R/app/bin/prog" "$W/prog.c"
}
# needs SONAME DIR: the program NEEDS SONAME; a library of that soname lies in DIR (if given)
needs() {
  patchelf --add-needed "$1" "$R/app/bin/prog"
  if [ -n "${2:-}" ]; then solib "$R$2/$1" "$1" "$W/lib.c"; fi
}
# foreign SONAME: a copy of SONAME for another machine (e_machine EM_AARCH64) in each default
# directory (the multiarch one and /usr/lib, which /lib leads to): the loader and ldconfig
# pass them over, and they take the name a link would need in every one of them
foreign() {
  local dir
  for dir in "$MULTIARCH" usr/lib; do
    solib "$R/$dir/$1" "$1" "$W/lib.c"
    printf '\267\000' | dd of="$R/$dir/$1" bs=1 seek=18 conv=notrunc status=none
  done
}
finish() { cache "$R"; printf '/app/bin/prog\n' > "$D/program"; : > "$D/env"; rm -rf "${OUT:?}/$NAME"; mv "$D" "$OUT/$NAME"; }

begin soname-link
needs 'lib$(touch PWNED)`touch PWNED2`.so' '/opt/x$(touch PWNED3)'
cp -L /lib/x86_64-linux-gnu/libm.so.6 "$R/opt/x\$(touch PWNED3)/"
finish

begin quote-env
needs libq.so.1 "/opt/it's \$(touch PWNED4)"
foreign libq.so.1
: > "$R/etc/ld.so.conf"
finish

begin newline-env
needs libn.so.1 $'/opt/n\nRUN touch /PWNED5'
foreign libn.so.1
: > "$R/etc/ld.so.conf"
finish

begin terminal
needs $'lib\e]0;PWNED\a\e[2J\xc2\x9b31m.so' ''
finish
