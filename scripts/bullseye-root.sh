#!/bin/bash
# bullseye-root.sh — a Debian 11 (bullseye, glibc 2.31: the OpenFace image's glibc) root
# for the loader differentials, made once with debootstrap and cached.
#
#   --variant=minbase     libc6, libc-bin (ld.so, ldd, ldconfig) and little else
#   --include=...         library-heavy packages, so the differential has many ELF files
#                         with deep dependency trees (libwebp6: the image's libwebp)
# The mirror is the one this machine's apt uses (its sources), so no other network path
# is needed. The root is built beside its final place and renamed when complete: an
# interrupted run leaves no half root behind.
#
# usage: scripts/bullseye-root.sh [DIR]     (default /var/cache/ofdoctor-bullseye)
set -euo pipefail
dir=${1:-/var/cache/ofdoctor-bullseye}
[ -e "$dir/etc/debian_version" ] && [ -x "$dir/usr/bin/ldd" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "bullseye-root.sh: debootstrap needs root; run: sudo $0 $dir" >&2; exit 1
fi
command -v debootstrap >/dev/null || bash "$(dirname "$0")/deps.sh" debootstrap

# The first Debian archive the machine's apt sources name (deb822 or one-line format).
mirror=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
            grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
          | grep -m1 '/debian/\?$' || true)
mirror=${mirror:-http://deb.debian.org/debian}

packages=libcurl4,libglib2.0-0,libxml2,libsqlite3-0,libpython3.9,libssl1.1,libtiff5,libpng16-16,libjpeg62-turbo,libwebp6,libfreetype6,libfontconfig1,libgnutls30,libldap-2.4-2
rm -rf "$dir.partial"
echo "bullseye-root.sh: debootstrap bullseye from $mirror into $dir (once; cached)" >&2
debootstrap --variant=minbase --include="$packages" bullseye "$dir.partial" "$mirror" >"$dir.log" 2>&1 \
  || { tail -20 "$dir.log" >&2; exit 1; }
rm -rf "$dir.partial/var/cache/apt/archives/"*.deb
mv "$dir.partial" "$dir"
