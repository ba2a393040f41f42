#!/bin/bash
# build-hostile-roots.sh OUTDIR [FIXTURES] -- roots built to break a root-confined
# analyser: malformed libraries on the search path, symlinks out of the root, symlink
# and directory loops, ld.so.conf include loops, huge and truncated ld.so.cache.
#
# FIXTURES is where build-roots.sh put the OpenFace roots (default: this package's
# .build/fixtures).  Every variant is a copy of one of them:
#
#   OUTDIR/<variant>/{root,env,program}   as build-rule-roots.sh lays them out
#   OUTDIR/outside/                       the SENTINEL: real libraries, a conf file,
#                                         profile.d/ and var/ that links in the roots
#                                         point at by host paths.  A tool that reads it
#                                         ignored chroot semantics; one that writes it
#                                         escaped the root.
#
# Malformed dependency (copies of of001, LD_LIBRARY_PATH=/opt/bad:/opt/OpenFace/build/lib,
# /opt/bad/libUtilities.so is the bad file, found before the good one):
#   dep-text dep-empty dep-short dep-header-only dep-half dep-directory dep-self-loop
#   dep-loop dep-bad-phoff dep-bad-phentsize dep-wrong-machine
# Hostile (copies of healthy unless said):
#   escape        /usr/bin/hostile NEEDS libx.so.1 (-> /etc/passwd: the root's is that library,
#                 the host's is text), librel.so.1
#                 (relative link that lands in the sentinel on the host), libabs.so.1 (absolute
#                 host path of the sentinel), libdeep.so.1 (80 x ../ then the host path),
#                 libloopa.so.1 (a -> b -> a), libself.so.1 (a -> a), libesc.so.1 (only in
#                 the sentinel; LD_LIBRARY_PATH and ld.so.conf.d name directories that lead
#                 there on the host), libdirloop.so.1 (found through a directory loop)
#   conf-loops    ld.so.conf include loops (self, mutual), globs, a conf link to the sentinel
#   conf-huge     an ld.so.conf.d file of 3 GB of NULs (sparse: no disk used)
#   cache-huge cache-short cache-half cache-loop cache-directory   /etc/ld.so.cache abuse
#   apply-escape apply-escape-locallib apply-escape-var   copies of `all` with /usr/bin/appx
#                 (its plan: an env fix, a libwebp.so.7 link, ldconfig) whose /etc/profile.d,
#                 /usr/local/lib or /var lead out of the root by host paths: `fix --apply`
#                 and `undo` must not write there
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 OUTDIR [FIXTURES]" >&2; exit 64; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
FIX=${2:-$HERE/../../.build/fixtures}
[ -d "$FIX/healthy/root" ] && [ -d "$FIX/of001/root" ] && [ -d "$FIX/all/root" ] || {
  echo "$0: $FIX has no OpenFace roots: run build-roots.sh first" >&2; exit 1; }
FIX=$(cd "$FIX" && pwd)
MA=usr/lib/x86_64-linux-gnu
SENT=$OUT/outside
STAGE=$OUT/.stage

VARIANTS="dep-text dep-empty dep-short dep-header-only dep-half dep-directory dep-self-loop dep-loop
  dep-bad-phoff dep-bad-phentsize dep-wrong-machine escape conf-loops conf-huge cache-huge cache-short cache-half
  cache-loop cache-directory apply-escape apply-escape-locallib apply-escape-var"
for v in $VARIANTS outside .stage; do rm -rf "${OUT:?}/$v"; done
mkdir -p "$STAGE" "$SENT"

# tiny libraries and the program that needs them (compiled once)
cat > "$STAGE/lib.c" <<'EOF'
int NAME_fn(void) { return 42; }
EOF
lib() { gcc -shared -fPIC -o "$1" -Wl,-soname,"$2" -DNAME_fn="$3" "$STAGE/lib.c"; }
HOSTILE_NEEDS="x rel abs deep loopa self esc dirloop"
for n in $HOSTILE_NEEDS loopb; do lib "$STAGE/lib$n.so.1" "lib$n.so.1" "fn_$n"; done
printf 'int main(void) { return 0; }\n' > "$STAGE/hostile.c"
gcc -o "$STAGE/hostile" "$STAGE/hostile.c" -Wl,--no-as-needed -Wl,--disable-new-dtags \
  $(for n in $HOSTILE_NEEDS; do printf '%s ' "$STAGE/lib$n.so.1"; done)

# the sentinel: what a confused tool would find, or write into, outside the root
for n in rel abs deep esc; do cp "$STAGE/lib$n.so.1" "$SENT/"; done
lib "$SENT/libwebp.so.7" libwebp.so.7 fn_webp
printf '%s\n' "$SENT" > "$SENT/evil.conf"
mkdir -p "$SENT/profile.d" "$SENT/var/lib/ofdoctor" "$SENT/locallib"
printf 'export SENTINEL=1\n' > "$SENT/profile.d/keep.sh"

# variant NAME BASE -- copies FIX/BASE into OUT/NAME
variant() {
  mkdir -p "$OUT/$1"
  cp -a "$FIX/$2/root" "$OUT/$1/root"
  cp "$FIX/$2/env" "$OUT/$1/env"
  printf '/opt/OpenFace/build/bin/FeatureExtraction\n' > "$OUT/$1/program"
}
# rel FROMDIR TARGET -- TARGET relative to FROMDIR on the host
rel() { realpath -m --relative-to="$1" "$2"; }

# ------------------------------------------------------------ malformed dependency
GOOD=$FIX/of001/root/opt/OpenFace/build/lib/libUtilities.so
dep() {
  variant "$1" of001
  mkdir -p "$OUT/$1/root/opt/bad"
  printf 'LD_LIBRARY_PATH=/opt/bad:/opt/OpenFace/build/lib\n' > "$OUT/$1/env"
  BAD=$OUT/$1/root/opt/bad/libUtilities.so
}
# patch FILE OFFSET HEXBYTES -- overwrite bytes in place
patch() { printf "$(printf '%s' "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

dep dep-text;          printf '/* GNU ld script: use the shared library */\nOUTPUT_FORMAT(elf64-x86-64)\nINPUT(-lUtilities)\n' > "$BAD"   # as -dev packages ship
dep dep-empty;         : > "$BAD"
dep dep-short;         head -c 40 "$GOOD" > "$BAD"             # inside the ELF header
dep dep-header-only;   head -c 64 "$GOOD" > "$BAD"             # the header, no program headers
dep dep-half;          head -c $(( $(stat -c %s "$GOOD") / 2 )) "$GOOD" > "$BAD"
dep dep-directory;     mkdir "$BAD"
dep dep-self-loop;     ln -s libUtilities.so "$BAD"
dep dep-loop;          ln -s libUtilities.so.b "$BAD"; ln -s libUtilities.so "$BAD.b"
dep dep-bad-phoff;     cp "$GOOD" "$BAD"; patch "$BAD" 32 00f0ffffffffff7f    # e_phoff far past EOF
dep dep-bad-phentsize; cp "$GOOD" "$BAD"; patch "$BAD" 54 1000               # e_phentsize 16
dep dep-wrong-machine; cp "$GOOD" "$BAD"; patch "$BAD" 18 b700               # EM_AARCH64: skipped

# ------------------------------------------------------------ escape
variant escape healthy
R=$OUT/escape/root
printf '/usr/bin/hostile\n' > "$OUT/escape/program"
cp "$STAGE/hostile" "$R/usr/bin/hostile"
# the root's /etc/passwd IS libx.so.1: only a chroot-confined reader finds a library there
cp "$STAGE/libx.so.1" "$R/etc/passwd"
L=$R/$MA
ln -s /etc/passwd "$L/libx.so.1"
ln -s "$(rel "$L" "$SENT/librel.so.1")" "$L/librel.so.1"
ln -s "$SENT/libabs.so.1" "$L/libabs.so.1"
ln -s "$(printf '../%.0s' $(seq 80))${SENT#/}/libdeep.so.1" "$L/libdeep.so.1"
ln -s libloopb.so.1 "$L/libloopa.so.1"; ln -s libloopa.so.1 "$L/libloopb.so.1"
ln -s libself.so.1 "$L/libself.so.1"
# directories that reach the sentinel on the host; in the root they lead nowhere
ln -s "$SENT" "$R/opt/escape-abs"
ln -s "$(rel "$R/opt" "$SENT")" "$R/opt/escape-rel"
ln -s / "$R/opt/hostroot"                                  # the root itself: a walk loops
# a directory loop that still names a real directory
mkdir -p "$R/opt/dirloop"
cp "$STAGE/libdirloop.so.1" "$R/opt/dirloop/"
ln -s . "$R/opt/dirloop/self"; ln -s ../dirloop "$R/opt/dirloop/up"; ln -s /opt/dirloop "$R/opt/dirloop/abs"
ln -s loop-b "$R/opt/loop-a"; ln -s loop-a "$R/opt/loop-b"             # a directory-name loop
printf '%s\n' "$SENT" /opt/escape-abs /opt/escape-rel /opt/dirloop/self/self > "$R/etc/ld.so.conf.d/zz-escape.conf"
printf 'LD_LIBRARY_PATH=/opt/escape-abs:/opt/escape-rel:/opt/hostroot/opt/escape-abs:/opt/dirloop/self/up/abs/self\n' > "$OUT/escape/env"

# ------------------------------------------------------------ conf-loops
variant conf-loops healthy
R=$OUT/conf-loops/root
C=$R/etc/ld.so.conf.d
printf 'include /etc/ld.so.conf\ninclude /etc/ld.so.conf.d/self.conf\n/usr/local/lib\n' > "$C/self.conf"
printf 'include /etc/ld.so.conf.d/b.conf.in\n' > "$C/a.conf"
printf 'include /etc/ld.so.conf.d/a.conf\n' > "$C/b.conf.in"
printf 'include /etc/ld.so.conf.d/*/*.conf\ninclude /etc/../etc/./ld.so.conf.d/[a-z]*.conf\ninclude %s/*.conf\ninclude %s\n' \
  "$SENT" "$(rel "$C" "$SENT/evil.conf")" > "$C/globs.conf"
mkdir -p "$C/sub"; printf 'include /etc/ld.so.conf\n' > "$C/sub/deep.conf"
ln -s "$SENT/evil.conf" "$C/evil.conf"
ln -s loop.conf "$C/loop.conf"
printf 'include /etc/ld.so.conf\ninclude /etc/ld.so.conf\n' >> "$R/etc/ld.so.conf"

variant conf-huge healthy;       truncate -s 3G "$OUT/conf-huge/root/etc/ld.so.conf.d/huge.conf"

# ------------------------------------------------------------ ld.so.cache
variant cache-huge healthy;      head -c $((50 * 1024 * 1024)) /dev/urandom > "$OUT/cache-huge/root/etc/ld.so.cache"
variant cache-short healthy;     head -c 20 "$FIX/healthy/root/etc/ld.so.cache" > "$OUT/cache-short/root/etc/ld.so.cache"
variant cache-half healthy
head -c $(( $(stat -c %s "$FIX/healthy/root/etc/ld.so.cache") / 2 )) "$FIX/healthy/root/etc/ld.so.cache" > "$OUT/cache-half/root/etc/ld.so.cache"
variant cache-loop healthy;      rm "$OUT/cache-loop/root/etc/ld.so.cache"; ln -s ld.so.cache "$OUT/cache-loop/root/etc/ld.so.cache"
variant cache-directory healthy; rm "$OUT/cache-directory/root/etc/ld.so.cache"; mkdir "$OUT/cache-directory/root/etc/ld.so.cache"

# ------------------------------------------------------------ apply-escape
# The plan (a libwebp.so.7 link, ldconfig, /etc/profile.d/ofdoctor.sh) meets links that
# lead out of the root by host paths: profile.d and /usr/local/lib (which ldconfig scans).
# /usr/bin/appx NEEDS libLandmarkDetector.so (only in /opt/OpenFace/build/lib: a conf file
# and ldconfig), libwebp.so.7 (only .so.6 here: a link and ldconfig) and libgobject, whose
# libffi conda's /opt/conda/lib on LD_LIBRARY_PATH shadows (an env fix, written to
# /etc/profile.d).
gcc -o "$STAGE/appx" "$STAGE/hostile.c" -Wl,--no-as-needed -Wl,--disable-new-dtags \
  "$FIX/healthy/root/opt/OpenFace/build/lib/libLandmarkDetector.so" "$FIX/healthy/root/$MA/libwebp.so.7" \
  "$FIX/healthy/root/$MA/libgobject-2.0.so.0" -Wl,-rpath-link,"$FIX/healthy/root/$MA"
appx() { cp "$STAGE/appx" "$1/usr/bin/appx"; printf '/usr/bin/appx\n' > "$(dirname "$1")/program"; }
variant apply-escape all
R=$OUT/apply-escape/root
appx "$R"
ln -s "$SENT/profile.d" "$R/etc/profile.d"
# ... /usr/local/lib only, which ldconfig scans: the plan can be applied, and undone.
variant apply-escape-locallib all
R=$OUT/apply-escape-locallib/root
appx "$R"
rm -rf "$R/usr/local/lib"; ln -s "$SENT/locallib" "$R/usr/local/lib"
# ... and the journal's /var, a relative link that climbs out of the root.
variant apply-escape-var all
R=$OUT/apply-escape-var/root
appx "$R"
ln -s "$(rel "$R" "$SENT/var")" "$R/var"

echo "hostile roots in $OUT; sentinel $SENT"
