#!/bin/bash
# The main job on the seed's broken container: the four failures at once, found in one
# pass, fixed, proven by the real loader, and undone.
set -u
cd "$(dirname "$0")/.."
OFD=${OFD:-.build/debug/ofdoctor}
SRC=.build/fixtures/all
DEMO=.build/demo-root
rm -rf "$DEMO" && cp -a "$SRC" "$DEMO"
ROOT=$DEMO/root
ENV=(--env LD_LIBRARY_PATH=/opt/conda/lib --env PATH=/opt/conda/bin:/opt/OpenFace/build/bin:/usr/bin:/bin)
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
loader() {  # run FeatureExtraction in the root as the container would, after sourcing the profile
  if [ "$(id -u)" != 0 ]; then echo "(skipped: running the real loader in chroot needs root)"; return; fi
  bash Tests/Fixtures/run-in-root.sh "$ROOT" - /bin/sh sh -c \
    '[ -f /etc/profile.d/ofdoctor.sh ] && . /etc/profile.d/ofdoctor.sh; exec /launch /opt/OpenFace/build/bin/FeatureExtraction FeatureExtraction -f face.jpg' \
    <<<"LD_LIBRARY_PATH=/opt/conda/lib"
  echo "[exit $?]"
}

step "the container as built: LD_LIBRARY_PATH=/opt/conda/lib FeatureExtraction -f face.jpg"
loader
step "ofdoctor check --root $ROOT ${ENV[*]}"
"$OFD" check --root "$ROOT" "${ENV[@]}"; echo "[exit $?]"
step "ofdoctor fix --root $ROOT ${ENV[*]}"
"$OFD" fix --root "$ROOT" "${ENV[@]}"; echo "[exit $?]"
step "ofdoctor fix --apply --root $ROOT ${ENV[*]}"
"$OFD" fix --apply --root "$ROOT" "${ENV[@]}"; echo "[exit $?]"
step "the real loader, after sourcing /etc/profile.d/ofdoctor.sh"
loader
step "ofdoctor env --root $ROOT ${ENV[*]}"
"$OFD" env --root "$ROOT" "${ENV[@]}"; echo "[exit $?]"
step "ofdoctor undo --root $ROOT"
"$OFD" undo --root "$ROOT"; echo "[exit $?]"
step "after undo the loader fails as before"
loader
