# Shared helpers for the fixture-root build scripts (sourced, not run).
# A fixture root is a small container-like filesystem made from real ELF files:
# the host's glibc and loader, Debian's usrmerge + multiarch layout, ld.so.conf(.d)
# and a cache written by `ldconfig -r`.
set -eu
MULTIARCH=usr/lib/x86_64-linux-gnu

# mkroot DIR -- a minimal Debian-like root with the host's loader, libc, libdl, /bin/sh
mkroot() {
  local r=$1
  rm -rf "$r"
  mkdir -p "$r/$MULTIARCH" "$r"/usr/lib64 "$r"/usr/local/lib "$r"/usr/bin "$r"/etc/ld.so.conf.d "$r"/opt "$r"/tmp "$r"/proc
  ln -s usr/lib "$r"/lib; ln -s usr/lib64 "$r"/lib64; ln -s usr/bin "$r"/bin
  local f
  for f in libc.so.6 ld-linux-x86-64.so.2 libdl.so.2 libm.so.6 libpthread.so.0; do
    cp -L "/lib/x86_64-linux-gnu/$f" "$r/$MULTIARCH/"
  done
  ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$r"/usr/lib64/ld-linux-x86-64.so.2
  cp -L /bin/dash "$r"/usr/bin/sh
  cp -L /usr/bin/env "$r"/usr/bin/env
  echo 'include /etc/ld.so.conf.d/*.conf' > "$r"/etc/ld.so.conf
  printf '# libc default configuration\n/usr/local/lib\n' > "$r"/etc/ld.so.conf.d/libc.conf
  printf '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' \
    > "$r"/etc/ld.so.conf.d/x86_64-linux-gnu.conf
}

# cache DIR -- write DIR/etc/ld.so.cache as the image's ldconfig would
cache() { ldconfig -r "$1"; }

# solib OUT SONAME CFILE [gcc args...] -- a shared library with DT_SONAME
solib() {
  local out=$1 so=$2 src=$3; shift 3
  mkdir -p "$(dirname "$out")"
  gcc -shared -fPIC -o "$out" -Wl,-soname,"$so" -Wl,--no-as-needed -Wl,--disable-new-dtags "$src" "$@"
}

# program OUT CFILE [gcc args...] -- an executable (RPATH, not RUNPATH, when -rpath is given)
program() {
  local out=$1 src=$2; shift 2
  mkdir -p "$(dirname "$out")"
  gcc -o "$out" -Wl,--no-as-needed -Wl,--disable-new-dtags "$src" "$@"
}

# launcher ROOT -- the static /launch (src/launch.c) that run-in-root.sh uses to set
# argv[0] and the environment inside ROOT.  Reuses $LAUNCH_BIN when it is set and exists.
launcher() {
  if [ -n "${LAUNCH_BIN:-}" ] && [ -x "$LAUNCH_BIN" ]; then cp "$LAUNCH_BIN" "$1/launch"
  else gcc -static -O2 -o "$1/launch" "$(dirname "${BASH_SOURCE[0]}")/src/launch.c"; fi
}

# patch_byte FILE OFFSET VALUE -- overwrite one byte (e.g. 18 183: e_machine = EM_AARCH64)
patch_byte() { printf "$(printf '\\%03o' "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# needed_to_runpath FILE NAME -- turn FILE's DT_NEEDED entry NAME into DT_RUNPATH NAME
# (same d_val, a string-table offset).  With `patchelf --add-needed DIR` first, this
# gives an object with both DT_RPATH and DT_RUNPATH, which GNU ld never emits.
needed_to_runpath() {
  local f=$1 name=$2 off idx
  off=$(readelf -SW "$f" | sed -n 's/^ *\[ *[0-9]*\] //p' | awk '$1==".dynamic"{print $4}')
  idx=$(readelf -dW "$f" | grep '^ *0x' | grep -n "(NEEDED) *Shared library: \[$name\]" | cut -d: -f1)
  [ -n "$off" ] && [ -n "$idx" ] || { echo "needed_to_runpath: no NEEDED $name in $f" >&2; return 1; }
  patch_byte "$f" $((0x$off + 16 * (idx - 1))) 29   # DT_RUNPATH
}
