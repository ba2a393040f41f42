#!/bin/bash
# build-rule-roots.sh OUTDIR -- small roots that each exercise one loader rule.
# Each is OUTDIR/rules/<name>/{root,env,program}: the root filesystem, the
# environment (NAME=VALUE lines; LD_PRELOAD etc. go here) and the program's path
# inside the root.  No expected result is stored: the real loader is the oracle
# (run-in-root.sh ROOT ENV /lib64/ld-linux-x86-64.so.2 ld.so --list PROGRAM, or
# the program itself; check-rule-roots.sh prints both for every root).
#
# The program prints "leaf from: <which copy of libleaf.so.1 it got>".  Most
# programs live in /app/bin; the copies of libleaf.so.1 say where they lie.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1/rules"
OUT=$(cd "$1" && pwd)/rules
SRC=$HERE/src/rules
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
LAUNCH_BIN=$W/launch; gcc -static -O2 -o "$LAUNCH_BIN" "$HERE/src/launch.c"

# begin NAME: a fresh root in $R (not yet cached)
begin() { NAME=$1; D=$OUT/$NAME.new; R=$D/root; rm -rf "$D"; mkdir -p "$D"; mkroot "$R"; launcher "$R"; mkdir -p "$R/app/bin" "$R/app/lib"; }
# finish PROGRAM [NAME=VALUE...]: write program and env, move into place (cache it yourself)
finish() {
  printf '%s\n' "$1" > "$D/program"; shift
  : > "$D/env"; local v; for v in "$@"; do printf '%s\n' "$v" >> "$D/env"; done
  rm -rf "${OUT:?}/$NAME"; mv "$D" "$OUT/$NAME"
}
# leaf DIR WHERE: a libleaf.so.1 (SONAME libleaf.so.1) in ROOT/DIR saying WHERE
leaf() { solib "$R$1/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE="\"$2\""; }
# mid DIR: libmid.so.1 in ROOT/DIR, NEEDS libleaf.so.1, no RPATH
mid() { solib "$R$1/libmid.so.1" libmid.so.1 "$SRC/mid.c" "$W/libleaf.so.1"; }
# prog OUT [gcc args]: the program, linked against the work copies (RPATH by default)
prog() { local o=$1; shift; program "$R$o" "$SRC/prog.c" "$@"; }
# set_record_version FILE need|definition N: vn_version (the first DT_VERNEED record's) or
# vd_version (the first DT_VERDEF record's, the base) of FILE := N
set_record_version() {
  python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
path, kind, version = sys.argv[1], sys.argv[2], int(sys.argv[3])
wanted = {"need": 0x6ffffffe, "definition": 0x6ffffffd}[kind]   # SHT_GNU_verneed, SHT_GNU_verdef
data = bytearray(open(path, 'rb').read())
shoff, = struct.unpack_from('<Q', data, 0x28); shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
for k in range(shnum):
    _, kind_, _, _, off, _ = struct.unpack_from('<IIQQQQ', data, shoff + k * shentsize)
    if kind_ == wanted:
        struct.pack_into('<H', data, off, version)
        open(path, 'wb').write(data)
        sys.exit(0)
sys.exit(path + ': no such version section')
PY
}
# break_hash FILE none|empty|words: FILE's DT_GNU_HASH entry made a DT_DEBUG one (no hash
# table left: link it with --hash-style=gnu), its GNU hash table's bucket count made 0, or its
# Bloom filter's word count made 3 (not a power of two)
break_hash() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, how = sys.argv[1], sys.argv[2]
data = bytearray(open(path, 'rb').read())
phoff, = struct.unpack_from('<Q', data, 32); phnum, = struct.unpack_from('<H', data, 56)
loads, dynamic = [], None
for i in range(phnum):
    p_type, _, off, vaddr, _, filesz, _, _ = struct.unpack_from('<IIQQQQQQ', data, phoff + 56 * i)
    if p_type == 1: loads.append((vaddr, off, filesz))
    if p_type == 2: dynamic = off
at = dynamic
while True:
    tag, value = struct.unpack_from('<qQ', data, at)
    if tag == 0: sys.exit(path + ': no DT_GNU_HASH')
    if tag == 0x6ffffef5:
        if how == 'none':
            struct.pack_into('<q', data, at, 21)   # DT_DEBUG
        else:
            vaddr, off, _ = next(l for l in loads if l[0] <= value < l[0] + l[2])
            if how == 'empty': struct.pack_into('<I', data, value - vaddr + off, 0)
            else: struct.pack_into('<I', data, value - vaddr + off + 8, 3)
        open(path, 'wb').write(data)
        sys.exit(0)
    at += 16
PY
}
# set_isa_needed FILE BITS: GNU_PROPERTY_X86_ISA_1_NEEDED of FILE's property note := BITS
set_isa_needed() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, bits = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, 'rb').read())
phoff, = struct.unpack_from('<Q', data, 32); phnum, = struct.unpack_from('<H', data, 56)
done = False
for i in range(phnum):
    p_type, _, off, _, _, filesz, _, _ = struct.unpack_from('<IIQQQQQQ', data, phoff + 56 * i)
    at = off
    while p_type == 4 and at + 12 <= off + filesz and not done:
        namesz, descsz, ntype = struct.unpack_from('<III', data, at)
        desc = at + (12 + namesz + 7) // 8 * 8
        if ntype == 5 and data[at + 12:at + 16] == b'GNU\0':
            q = desc
            while q + 8 <= desc + descsz:
                ptype, datasz = struct.unpack_from('<II', data, q)
                if ptype == 0xc0008002:
                    struct.pack_into('<I', data, q + 8, bits); done = True; break
                q += 8 + (datasz + 7) // 8 * 8
        at += (desc - at + descsz + 7) // 8 * 8
if not done: sys.exit(path + ': no GNU_PROPERTY_X86_ISA_1_NEEDED to set')
open(path, 'wb').write(data)
PY
}
solib "$W/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"link time"'
solib "$W/libmid.so.1" libmid.so.1 "$SRC/mid.c" "$W/libleaf.so.1"
LEAF=$W/libleaf.so.1
MID=("$W/libmid.so.1" -DVIA_MID -Wl,-rpath-link,"$W")

# DT_RPATH of the executable also serves its dependencies' needs (glibc dl-load.c:
# _dl_map_object walks the loader chain's RPATHs): libmid finds libleaf through it.
begin rpath-inherited
mid /app/lib; leaf /app/lib /app/lib
prog /app/bin/prog "${MID[@]}" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# DT_RUNPATH serves only the object's own DT_NEEDED: libmid finds no libleaf.
begin runpath-not-inherited
mid /app/lib; leaf /app/lib /app/lib
prog /app/bin/prog "${MID[@]}" -Wl,--enable-new-dtags,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# An object with both DT_RPATH (/app/rpath) and DT_RUNPATH (/app/runpath): RPATH is ignored.
begin runpath-disables-rpath
leaf /app/rpath /app/rpath; leaf /app/runpath /app/runpath
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/rpath
patchelf --add-needed /app/runpath "$R/app/bin/prog"
needed_to_runpath "$R/app/bin/prog" /app/runpath
cache "$R"; finish /app/bin/prog

# LD_LIBRARY_PATH is searched before DT_RUNPATH.
begin llp-before-runpath
leaf /app/llp /app/llp; leaf /app/runpath /app/runpath
prog /app/bin/prog "$LEAF" -Wl,--enable-new-dtags,-rpath,/app/runpath
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/llp

# $ORIGIN/../lib, the program started through a symlink /usr/bin/prog -> /app/bin/prog:
# executed, $ORIGIN is the real directory (/proc/self/exe); /usr/lib has a decoy
# that only a $ORIGIN taken from the typed path would find (ld.so --list /usr/bin/prog).
begin origin
leaf /app/lib '$ORIGIN/../lib = /app/lib'; leaf /usr/lib '/usr/lib (the symlink'"'"'s ../lib)'
prog /app/bin/prog "$LEAF" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
ln -s /app/bin/prog "$R/usr/bin/prog"
cache "$R"; finish /usr/bin/prog

# glibc-hwcaps and legacy platform subdirectories of a search directory (2.36 probes both).
begin hwcaps
leaf /app/lib /app/lib; leaf /app/lib/x86_64 /app/lib/x86_64
for v in x86-64-v2 x86-64-v3 x86-64-v4; do leaf "/app/lib/glibc-hwcaps/$v" "/app/lib/glibc-hwcaps/$v"; done
prog /app/bin/prog "$LEAF" -Wl,--enable-new-dtags,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# A 32-bit libleaf.so.1 first on LD_LIBRARY_PATH is skipped; the search goes on.
begin wrong-class
mkdir -p "$R/app/lib32"
gcc -m32 -nostdlib -shared -fPIC -o "$R/app/lib32/libleaf.so.1" -Wl,-soname,libleaf.so.1 -DWHERE='"/app/lib32"' "$SRC/leaf.c"
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,--enable-new-dtags,-rpath,/app/lib
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/lib32:/app/lib

# The same with an x86-64 copy whose e_machine says EM_AARCH64.
begin wrong-machine
leaf /app/arm /app/arm; patch_byte "$R/app/arm/libleaf.so.1" 18 183
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,--enable-new-dtags,-rpath,/app/lib
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/arm:/app/lib

# A dangling symlink of the right name earlier on the path counts as absent.
begin dangling-link
mkdir -p "$R/app/dangling"; ln -s /app/gone/libleaf.so.1 "$R/app/dangling/libleaf.so.1"
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,--enable-new-dtags,-rpath,/app/lib
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/dangling:/app/lib

# A link looping onto itself in a legacy hwcap subdirectory (/app/lib/x86_64) of a path
# directory: open_path judges only the errno of a directory's last open, its own, so the
# ELOOP is overwritten and the copy in /app/lib is found.
begin loop-in-subdirectory
mkdir -p "$R/app/lib/x86_64"; ln -s libleaf.so.1 "$R/app/lib/x86_64/libleaf.so.1"
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF"
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/lib

# The same loop in a path directory itself: that errno ends the search (no copy after it).
begin loop-in-directory
mkdir -p "$R/app/loop"; ln -s libleaf.so.1 "$R/app/loop/libleaf.so.1"
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF"
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/loop:/app/lib

# A regular file named as a directory on LD_LIBRARY_PATH: the open under it fails with
# ENOTDIR, not ENOENT.
begin file-on-path
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF"
cache "$R"; finish /app/bin/prog LD_LIBRARY_PATH=/app/bin/prog:/app/lib

# Added to /usr/local/lib after ldconfig ran: only the cache covers that directory,
# so it is not found.
begin stale-cache
prog /app/bin/prog "$LEAF"
cache "$R"; leaf /usr/local/lib /usr/local/lib; finish /app/bin/prog

# Added to /usr/lib/x86_64-linux-gnu after ldconfig ran: found anyway, as a
# default directory (searched after the cache).
begin stale-cache-default-dir
prog /app/bin/prog "$LEAF"
cache "$R"; leaf /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; finish /app/bin/prog

# The NVIDIA driver's libcuda.so.1, which the container runtime mounts at start: the root
# has only the CUDA toolkit's link-time stub (lib64/stubs/libcuda.so, soname libcuda.so.1,
# and a link to it under that name, as some images carry), on no search path.
begin driver-library
solib "$R/usr/local/cuda/lib64/stubs/libcuda.so" libcuda.so.1 "$SRC/leaf.c" -DWHERE='"the stub"'
ln -s libcuda.so "$R/usr/local/cuda/lib64/stubs/libcuda.so.1"
prog /app/bin/prog "$R/usr/local/cuda/lib64/stubs/libcuda.so"
cache "$R"; finish /app/bin/prog

# /opt/x listed in /etc/ld.so.conf.d/x.conf, then ldconfig: found through the cache.
begin fresh-cache
leaf /opt/x /opt/x; echo /opt/x > "$R/etc/ld.so.conf.d/x.conf"
prog /app/bin/prog "$LEAF"
cache "$R"; finish /app/bin/prog

# LD_PRELOAD: the preloaded object comes first in the symbol scope.
begin preload
leaf /app/lib /app/lib
solib "$R/app/lib/libpreload.so" libpreload.so "$SRC/preload.c"
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog LD_PRELOAD=/app/lib/libpreload.so

# /etc/ld.so.preload: names separated by spaces, tabs, newlines or colons, `#` to the end
# of the line a comment, loaded after LD_PRELOAD's (elf/rtld.c). libpreload.so is found by
# a search (ld.so.cache) and interposes leaf(); the missing one is reported "from
# /etc/ld.so.preload" and ignored; the last name has no newline after it. LD_PRELOAD's own
# objects come first; of those, lib$PLATFORM.so has no `/`, so its token is not expanded
# (_dl_map_object): that name is searched as is (and not found), not libx86_64.so.
begin preload-file
leaf /app/lib /app/lib
solib "$R/usr/lib/x86_64-linux-gnu/libpreload.so" libpreload.so "$SRC/preload.c"
solib "$R/app/lib/libenvpre.so.1" libenvpre.so.1 "$SRC/empty.c"
solib "$R/app/lib/libtail.so.1" libtail.so.1 "$SRC/empty.c"
solib "$R/app/lib/libx86_64.so" libx86_64.so "$SRC/empty.c"
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
printf '# preloaded for every program\nlibpreload.so # the interposer\n\t libnotthere.so.1:/app/lib/libtail.so.1' > "$R/etc/ld.so.preload"
cache "$R"; finish /app/bin/prog 'LD_PRELOAD=/app/lib/libenvpre.so.1 lib$PLATFORM.so'

# DT_NEEDED "/app/lib/libleaf.so.1" (contains '/'): opened as a path, no search;
# the system directory's copy is never considered.
begin slash-name
leaf /app/lib /app/lib; leaf /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu
prog /app/bin/prog "$LEAF"
patchelf --replace-needed libleaf.so.1 /app/lib/libleaf.so.1 "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# NEEDED libleaf-1.2.so (found by RPATH; its SONAME is libleaf.so.1), then NEEDED
# libleaf.so.1: that matches the loaded object's SONAME, so no search happens and
# the system copy is not loaded.
begin soname-match
solib "$R/app/lib/libleaf-1.2.so" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"/app/lib/libleaf-1.2.so"'
leaf /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
patchelf --add-needed libleaf-1.2.so "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# -z nodefaultlib (DF_1_NODEFLIB): the program's needs skip the default directories
# and cache entries in them; libleaf.so.1 lies only in /usr/lib/x86_64-linux-gnu.
begin nodeflib
leaf /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu
prog /app/bin/prog "$LEAF" -Wl,-z,nodefaultlib
cache "$R"; finish /app/bin/prog

# Names are bytes to the loader: a NEEDED name, a RUNPATH directory and a cache key that
# are not UTF-8 are found like any other. lib\xe9 is Latin-1 "libé"; \xf4\x8f\xbc\x81 is
# the UTF-8 of U+10FF01, which ofdoctor's own escape for bytes must not take for a byte.
begin non-utf8-names
E=$(printf '\351'); U=$(printf '\364\217\274\201')
leaf /app/lib /app/lib
solib "$R/app/l$E/lib$E.so.1" "lib$E.so.1" "$SRC/leaf.c" -DWHERE='"latin-1"'
solib "$R/usr/local/lib/lib$U.so" "lib$U.so" "$SRC/leaf.c" -DWHERE='"u+10ff01"'
prog /app/bin/prog "$LEAF"
patchelf --add-needed "lib$E.so.1" --add-needed "lib$U.so" "$R/app/bin/prog"
# (one patchelf call for both would point RUNPATH at the wrong string: patchelf 0.14)
patchelf --set-rpath "/app/lib:/app/l$E" "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# The same program where the Latin-1 library is nowhere: the loader stops at its name.
begin non-utf8-missing
E=$(printf '\351')
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
patchelf --add-needed "lib$E.so.1" "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# Names whose first byte after a slash is a combining mark (U+0301, \xcc\x81): the loader
# reads a path byte by byte, where text that groups characters sees the slash and the mark
# as one character ("/\u0301" is not "/" followed by something). RUNPATH names /\u0301lib,
# libmid.so.1 is a link to the absolute /\u0301m/libmid.so.1, a NEEDED path is
# /\u0301abs/libabs.so.1: all absolute, all found. And RUNPATH's $ORIGIN\u0301 is the token
# $ORIGIN followed by the mark (only ASCII letters, digits and _ continue a token's name):
# /app/bin\u0301, where libtok.so.1 is.
begin combining-names
C=$(printf '\314\201')
solib "$R/${C}lib/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"combining"'
solib "$R/${C}m/libmid.so.1" libmid.so.1 "$SRC/mid.c" "$W/libleaf.so.1"
solib "$R/${C}abs/libabs.so.1" libabs.so.1 "$SRC/empty.c"
solib "$R/app/bin${C}/libtok.so.1" libtok.so.1 "$SRC/empty.c"
ln -s "/${C}m/libmid.so.1" "$R/app/lib/libmid.so.1"
prog /app/bin/prog "$LEAF" "${MID[@]}"
patchelf --add-needed "/${C}abs/libabs.so.1" --add-needed libtok.so.1 "$R/app/bin/prog"
patchelf --set-rpath "/${C}lib:/app/lib:\$ORIGIN${C}" "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# LD_LIBRARY_PATH=\u0301lib: a value that starts with a combining mark (after the `=`, which
# text grouped into characters does not see) and a relative element, from the working
# directory / (the loader names the object \u0301lib/libleaf.so.1, as it built it).
begin combining-env
C=$(printf '\314\201')
solib "$R/${C}lib/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"combining env"'
prog /app/bin/prog "$LEAF"
cache "$R"; finish /app/bin/prog "LD_LIBRARY_PATH=${C}lib"

# An object whose GNU property note says it needs an x86 ISA level the CPU lacks: glibc
# 2.33+ stops before relocating (`NAME: CPU ISA level is lower than required`), while ldd
# and ld.so --list show nothing wrong. The level is bit 4 of GNU_PROPERTY_X86_ISA_1_NEEDED,
# which no CPU has (v4 is bit 3), so the root fails on every machine.
begin isa-level
leaf /app/lib /app/lib
solib "$R/app/lib/libisa.so.1" libisa.so.1 "$SRC/empty.c" -Wl,-z,x86-64-v4
set_isa_needed "$R/app/lib/libisa.so.1" 16
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
patchelf --add-needed libisa.so.1 "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# The program itself so marked: the message names it by argv[0].
begin isa-level-program
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib -Wl,-z,x86-64-v4
set_isa_needed "$R/app/bin/prog" 16
cache "$R"; finish /app/bin/prog

# The errno after "cannot open shared object file" is the last failure of the library's
# own search: libleaf.so.1 is found through ld.so.cache (/opt/x) after failing opens in
# RPATH /nonexistent, and that success clears errno; libmid.so.1, needed next, is found
# nowhere with nothing tried (DF_1_NODEFLIB, /nonexistent already marked missing): no
# tail at all. A preload that failed with ENOTDIR does not show either.
begin errno-per-search
leaf /opt/x /opt/x
echo /opt/x > "$R/etc/ld.so.conf.d/x.conf"
prog /app/bin/prog "$LEAF" "${MID[@]}" -Wl,-z,nodefaultlib -Wl,-rpath,/nonexistent
cache "$R"; finish /app/bin/prog LD_PRELOAD=/etc/ld.so.cache/x.so

# Canonically equivalent names are two names to the loader (strcmp): RUNPATH names /app/\xc3\xa9
# (é, empty) and then /app/e\xcc\x81 (e + U+0301), where libnfd.so.1 is; the program also
# needs libmiss\xc3\xa9.so.1 and libmisse\xcc\x81.so.1, found nowhere: two missing libraries.
begin equivalent-names
NFC=$(printf '\303\251'); NFD=$(printf 'e\314\201')
mkdir -p "$R/app/$NFC"
solib "$R/app/$NFD/libnfd.so.1" libnfd.so.1 "$SRC/empty.c"
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
leaf /app/lib /app/lib
patchelf --add-needed libnfd.so.1 --add-needed "libmiss$NFC.so.1" "$R/app/bin/prog"
patchelf --add-needed "libmiss$NFD.so.1" "$R/app/bin/prog"
patchelf --set-rpath "/app/lib:/app/$NFC:/app/$NFD" "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# Older builds of three libraries in /app/old, ahead of the system's on LD_LIBRARY_PATH:
# libshade.so.1 and libtint.so.1 lack version nodes (SHADE_2.0, SHADE_2.1, TINT_2) that
# libuse1-3 were linked against, so the loader prints every missing version and stops;
# libplain.so.1 (no versions) lacks plain_y, which `ldd -r` reports as undefined. One cause
# per library, each breaking several consumers; dropping /app/old clears them all.
begin shadowing
V=$W/shadow; mkdir -p "$V"
solib "$V/libshade.so.1" libshade.so.1 "$SRC/shade.c" -Wl,--version-script="$SRC/shade.map"
solib "$V/libtint.so.1" libtint.so.1 "$SRC/shade.c" -DTINT -Wl,--version-script="$SRC/tint.map"
solib "$V/libplain.so.1" libplain.so.1 "$SRC/plain.c"
cp "$V/libshade.so.1" "$V/libtint.so.1" "$V/libplain.so.1" "$R/$MULTIARCH/"
solib "$R/app/old/libshade.so.1" libshade.so.1 "$SRC/shade.c" -DOLD -Wl,--version-script="$SRC/shade-old.map"
solib "$R/app/old/libtint.so.1" libtint.so.1 "$SRC/shade.c" -DTINT -DOLD -Wl,--version-script="$SRC/tint-old.map"
solib "$R/app/old/libplain.so.1" libplain.so.1 "$SRC/plain.c" -DOLD
for n in 1 2 3; do
  solib "$V/libuse$n.so.1" "libuse$n.so.1" "$SRC/user.c" -DUSER=$n "$V/libshade.so.1" "$V/libtint.so.1" "$V/libplain.so.1"
  cp "$V/libuse$n.so.1" "$R/$MULTIARCH/"
done
program "$R/app/bin/users" "$SRC/users.c" "$V/libuse1.so.1" "$V/libuse2.so.1" "$V/libuse3.so.1" -Wl,-rpath-link,"$V"
cache "$R"; finish /app/bin/users LD_LIBRARY_PATH=/app/old
# The same with LD_LIBRARY_PATH relative to the working directory (/, in the chroot): the
# loader names what it finds there as it built the name, app/old/libshade.so.1.
rm -rf "$OUT/shadowing-relative"; cp -a "$OUT/shadowing" "$OUT/shadowing-relative"
printf 'LD_LIBRARY_PATH=app/old\n' > "$OUT/shadowing-relative/env"

# Files that pass open_verify but that the loader refuses, fatally, as it maps them
# (elf/dl-load.c _dl_map_object_from_fd): an executable (ET_EXEC), a PIE (DF_1_PIE,
# glibc >= 2.30), a debug-only copy (no dynamic section). Each is met first, in /app/lib,
# ahead of a good libleaf.so.1 in /app/good; the loader names the library as requested.
program "$W/exec" "$SRC/leaf-main.c" -no-pie
program "$W/pie" "$SRC/leaf-main.c" -pie
objcopy --only-keep-debug "$LEAF" "$W/debug"
for kind in exec pie debug; do
  begin "mapped-$kind"
  leaf /app/good /app/good
  cp "$W/$kind" "$R/app/lib/libleaf.so.1"
  prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib:/app/good
  cache "$R"; finish /app/bin/prog
done

# A program that needs itself by path: the program's own link map has no file id, so the
# loader maps the file again and refuses it as a PIE.
begin mapped-self
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib -pie
patchelf --add-needed /app/bin/prog "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# An LD_PRELOAD that is a PIE: the loader prints why and starts the program without it.
begin preload-pie
leaf /app/lib /app/lib
cp "$W/pie" "$R/app/lib/shim.so"
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog LD_PRELOAD=/app/lib/shim.so

# An empty DT_NEEDED name: the program's own link map answers to "" (elf/rtld.c), so it
# needs nothing more and starts.
begin needed-empty
leaf /app/lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
patchelf --add-needed "" "$R/app/bin/prog"
cache "$R"; finish /app/bin/prog

# Filter objects (elf/dl-deps.c): libleaf.so.1 names libleafimpl.so.1 in DT_FILTER and
# libabsent.so.1 in DT_AUXILIARY. The loader loads the filtee with the filter, puts it
# before the filter in the search list (so leaf() comes from it: "the filtee") and goes on
# past the absent auxiliary without a word, where ldd prints "not found". The filtee's own
# DT_NEEDED (libdep.so.1) joins the end of the list. RUNPATH $ORIGIN of the filter finds
# them. (ld writes DT_FILTER for shared libraries only.)
filter_lib() {  # filter_lib DIR: the filter libleaf.so.1 in ROOT/DIR
  solib "$R$1/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"the filter"' \
    -Wl,-F,libleafimpl.so.1 -Wl,-f,libabsent.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN'
}
filtee_lib() {  # filtee_lib DIR: libleafimpl.so.1 (needs libdep.so.1) and libdep.so.1 in ROOT/DIR
  solib "$R$1/libdep.so.1" libdep.so.1 "$SRC/empty.c"
  solib "$R$1/libleafimpl.so.1" libleafimpl.so.1 "$SRC/leaf.c" -DWHERE='"the filtee"' "$R$1/libdep.so.1" \
    -Wl,--enable-new-dtags,-rpath,'$ORIGIN'
}
begin filters
filter_lib /app/lib; filtee_lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# The program needs the filter, then the filtee: the filtee, listed after the filter,
# is moved up before it when the filter is processed.
begin filter-moved
filter_lib /app/lib; filtee_lib /app/lib
prog /app/bin/prog "$LEAF" "$R/app/lib/libleafimpl.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# A DT_FILTER object that is nowhere: the loader stops, as for a missing DT_NEEDED one.
begin filter-missing
filter_lib /app/lib
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# Filter objects that name each other: libleaf.so.1's filter libleafimpl.so.1 names
# libleaf.so.1 as its own filter. The loader moves each before the other without end and
# dies of SIGSEGV (exit 139), printing nothing; ldd and ld.so --list too. (With an absent
# DT_AUXILIARY object in the cycle as well, ldd, tracing, loops for good instead.)
begin filter-cycle
solib "$R/app/lib/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"the filter"' \
  -Wl,-F,libleafimpl.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN'
solib "$R/app/lib/libleafimpl.so.1" libleafimpl.so.1 "$SRC/leaf.c" -DWHERE='"the filtee"' \
  -Wl,-F,libleaf.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN'
prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# The program's own filter objects, which ld does not write (a hand does: the first DT_NEEDED
# entry's tag turned into DT_FILTER, program-filter, or DT_AUXILIARY with the object absent,
# program-auxiliary-absent). The loader puts the filtee before the program, where ld.so --list
# and ldd do not look, and dies of SIGSEGV relocating it (exit 139, silent); an absent
# auxiliary one it passes over, as any library's.
retag_first_needed() {  # retag_first_needed FILE TAG
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, tag = sys.argv[1], int(sys.argv[2], 0)
data = bytearray(open(path, 'rb').read())
phoff, = struct.unpack_from('<Q', data, 32); phnum, = struct.unpack_from('<H', data, 56)
for i in range(phnum):
    p_type, _, off = struct.unpack_from('<IIQ', data, phoff + 56 * i)
    at = off
    while p_type == 2:
        d_tag, = struct.unpack_from('<q', data, at)
        if d_tag == 0: sys.exit(path + ': no DT_NEEDED')
        if d_tag == 1:
            struct.pack_into('<q', data, at, tag); break
        at += 16
open(path, 'wb').write(data)
PY
}
begin program-filter
filtee_lib /app/lib
leaf /app/lib /app/lib
prog /app/bin/prog "$R/app/lib/libleafimpl.so.1" "$LEAF" -Wl,-rpath,/app/lib
retag_first_needed "$R/app/bin/prog" 0x7fffffff
cache "$R"; finish /app/bin/prog
begin program-auxiliary-absent
filtee_lib /app/lib
leaf /app/lib /app/lib
prog /app/bin/prog "$R/app/lib/libleafimpl.so.1" "$LEAF" -Wl,-rpath,/app/lib
retag_first_needed "$R/app/bin/prog" 0x7ffffffd
rm "$R/app/lib/libleafimpl.so.1"
cache "$R"; finish /app/bin/prog

# The kernel's vDSO answers to its soname (linux-vdso.so.1) before any search (elf/setup-vdso.h):
# a program linked against the vDSO image (or given that DT_NEEDED by a bundler that copied
# ldd's list) starts, and its LINUX_2.6 need and __vdso_time reference are the vDSO's.
begin vdso-needed
python3 - "$W/linux-vdso.so.1" <<'PY'
import re, sys
maps = open('/proc/self/maps').read()
start, end = (int(x, 16) for x in re.search(r'^([0-9a-f]+)-([0-9a-f]+) .*\[vdso\]$', maps, re.M).groups())
with open('/proc/self/mem', 'rb') as mem:
    mem.seek(start)
    open(sys.argv[1], 'wb').write(mem.read(end - start))
PY
leaf /app/lib /app/lib
program "$R/app/bin/prog" "$SRC/vdsoprog.c" "$W/linux-vdso.so.1" "$LEAF" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# A version need of a file nothing loads: the program's DT_NEEDED libm.so.6 is removed
# (patchelf --remove-needed), its DT_VERNEED entry for libm.so.6 stays. The version check
# finds no object for it and stops with an assertion (elf/dl-version.c find_needed), and
# so do ldd and ld.so --list. With libm.so.6 preloaded, an object is named so: it starts.
for variant in verneed-unloaded verneed-preloaded; do
  begin $variant
  leaf /app/lib /app/lib
  program "$R/app/bin/prog" "$SRC/cosprog.c" "$LEAF" -lm -Wl,-rpath,/app/lib
  patchelf --remove-needed libm.so.6 "$R/app/bin/prog"
  cache "$R"
  if [ $variant = verneed-preloaded ]; then finish /app/bin/prog LD_PRELOAD=libm.so.6; else finish /app/bin/prog; fi
done

# Symbol lookups a relocation's type decides (elf/dl-lookup.c do_lookup_x, check_match;
# elf_machine_type_class). libsym.so.1 was linked with sym_data and sym_fn; the copy in the
# root has neither.
S=$W/sym; mkdir -p "$S"
solib "$S/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN
solib "$S/libsymref.so.1" libsymref.so.1 "$SRC/symref.c" "$S/libsym.so.1"
# A copy relocation: the program holds sym_data, so the symbol is defined in it, and the
# loader looks it up past the program: no library defines it, the program does not start.
begin copy-relocation
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c"
program "$R/app/bin/prog" "$SRC/symprog.c" -DCOPY "$S/libsym.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog
# A non-PIE program takes sym_fn's address: its undefined sym_fn has a value (its PLT
# entry), which binds libsymref's GLOB_DAT reference; only the program's own jump slot,
# bound lazily, finds nothing. The program starts.
begin canonical-plt
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c"
cp "$S/libsymref.so.1" "$R/app/lib/"
program "$R/app/bin/prog" "$SRC/symprog.c" -DCANONICAL -no-pie -fno-pie "$S/libsym.so.1" "$S/libsymref.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# Protected definitions (glibc 2.35+, sysdeps/generic/dl-protected.h): the program was linked
# against a libsym.so.1 whose sym_data and sym_fn had default visibility; the root's copy
# makes them protected. A copy relocation then leaves two copies of sym_data: the loader
# warns and starts the program; built with -mno-direct-extern-access, the library refuses
# and the loader stops. A non-PIE program's canonical PLT entry for sym_fn is checked when
# its jump slot is bound: never, lazily (the program does not call it), at start-up under
# BIND_NOW (ldd -r, LD_BIND_NOW).
begin protected-copy
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN -DPROTECTED
program "$R/app/bin/prog" "$SRC/symprog.c" -DCOPY "$S/libsym.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog
begin protected-copy-refused
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN -DPROTECTED -mno-direct-extern-access
program "$R/app/bin/prog" "$SRC/symprog.c" -DCOPY "$S/libsym.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog
begin protected-canonical-refused
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN -DPROTECTED -mno-direct-extern-access
cp "$S/libsymref.so.1" "$R/app/lib/"
program "$R/app/bin/prog" "$SRC/symprog.c" -DCANONICAL -no-pie -fno-pie "$S/libsym.so.1" "$S/libsymref.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# A copy relocation of a variable that grew: the program was linked against an int
# sym_data, the root's library defines four; the loader copies the program's 4 bytes and
# warns at every start (a smaller one only under LD_WARN, as ldd -r sets it).
begin copy-size
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN -DDATA_WORDS=4
program "$R/app/bin/prog" "$SRC/symprog.c" -DCOPY "$S/libsym.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog
# Shrunk back: linked against the four-int build, the program's copy is 16 bytes, the
# root's library defines 4; the loader is silent, ldd -r (LD_WARN) prints the same line.
begin copy-size-smaller
solib "$W/libsym4/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN -DDATA_WORDS=4
solib "$R/app/lib/libsym.so.1" libsym.so.1 "$SRC/sym.c" -DHAS_DATA -DHAS_FN
program "$R/app/bin/prog" "$SRC/symprog.c" -DCOPY "$W/libsym4/libsym.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# Version records of a version the loader does not know (elf/dl-version.c): the first
# Verneed record of an object stops the version check as it reaches it (the program's named
# by argv[0]); a Verdef record a need walks past is a version error like a missing
# version (exit 1; ldd -r prints it and goes on).
begin verneed-record
solib "$R/app/lib/libshade.so.1" libshade.so.1 "$SRC/shade.c" -Wl,--version-script="$SRC/shade.map"
solib "$R/app/lib/libshadevia.so.1" libshadevia.so.1 "$SRC/shadevia.c" "$R/app/lib/libshade.so.1"
program "$R/app/bin/prog" "$SRC/shadeprog.c" -DVIA "$R/app/lib/libshadevia.so.1" -Wl,-rpath,/app/lib -Wl,-rpath-link,"$R/app/lib"
set_record_version "$R/app/lib/libshadevia.so.1" need 2
cache "$R"; finish /app/bin/prog
begin verneed-record-program
solib "$R/app/lib/libshade.so.1" libshade.so.1 "$SRC/shade.c" -Wl,--version-script="$SRC/shade.map"
program "$R/app/bin/prog" "$SRC/shadeprog.c" "$R/app/lib/libshade.so.1" -Wl,-rpath,/app/lib
set_record_version "$R/app/bin/prog" need 3
cache "$R"; finish /app/bin/prog
begin verdef-record
solib "$W/libshade.so.1" libshade.so.1 "$SRC/shade.c" -Wl,--version-script="$SRC/shade.map"
cp "$W/libshade.so.1" "$R/app/lib/"
set_record_version "$R/app/lib/libshade.so.1" definition 2
program "$R/app/bin/prog" "$SRC/shadeprog.c" "$W/libshade.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog

# A library the loader never searches for a symbol (elf/dl-lookup.c _dl_setup_hash leaves
# l_nbuckets 0): no hash table at all, or a GNU hash table without buckets. Its leaf() is
# undefined to the loader though its symbol table has it; the program dies at the call.
# (hash-table-words: a Bloom filter of 3 words, which the loader asserts on as it maps it.)
for how in none empty words; do
  begin "hash-table-$how"
  solib "$R/app/lib/libleaf.so.1" libleaf.so.1 "$SRC/leaf.c" -DWHERE='"/app/lib"' -Wl,--hash-style=gnu
  break_hash "$R/app/lib/libleaf.so.1" "$how"
  prog /app/bin/prog "$LEAF" -Wl,-rpath,/app/lib
  cache "$R"; finish /app/bin/prog
done

# IFUNCs bound at start-up before their object is relocated (sysdeps/x86_64/dl-machine.h):
# defined in the program, relocated last, the loader stops ("unsatisfiable circular
# dependency"); defined in a library relocated after the one binding it (libifndef needs
# libifnuse, which binds ifn_f back without needing it), it warns ("Relink …") and goes on.
# ldd -r calls no resolver and shows neither.
begin ifunc-in-executable
solib "$R/app/lib/libifnuse.so.1" libifnuse.so.1 "$SRC/ifuncuse.c" -Wl,-z,now
program "$R/app/bin/prog" "$SRC/ifuncprog.c" -DDEFINE "$R/app/lib/libifnuse.so.1" -Wl,-rpath,/app/lib
cache "$R"; finish /app/bin/prog
begin ifunc-not-relocated
solib "$R/app/lib/libifnuse.so.1" libifnuse.so.1 "$SRC/ifuncuse.c" -Wl,-z,now
solib "$R/app/lib/libifndef.so.1" libifndef.so.1 "$SRC/ifuncdef.c" "$R/app/lib/libifnuse.so.1"
program "$R/app/bin/prog" "$SRC/ifuncprog.c" "$R/app/lib/libifndef.so.1" -Wl,-rpath,/app/lib -Wl,-rpath-link,$R/app/lib
cache "$R"; finish /app/bin/prog

echo "rule roots in $OUT: $(cd "$OUT" && echo *)"
