#!/bin/bash
# Installs the system packages the build, tests and demo need, when they are missing,
# and any packages given as arguments (`make bench` adds its own).
# As root it runs apt-get; otherwise it says exactly what to install.
set -u
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in libelf-dev zlib1g-dev libzstd-dev nettle-dev gcc g++ make patchelf libtree pax-utils elfutils binutils python3 graphviz strace hyperfine time "$@"; do
  have_pkg "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${need[@]}" >/tmp/ofdoctor-apt.log 2>&1; then
    apt-get update -qq >>/tmp/ofdoctor-apt.log 2>&1
    apt-get install -y -qq "${need[@]}" >>/tmp/ofdoctor-apt.log 2>&1 || { cat /tmp/ofdoctor-apt.log >&2; exit 1; }
  fi
else
  echo "deps: missing packages: ${need[*]}" >&2
  echo "deps: install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
