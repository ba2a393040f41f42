#!/usr/bin/env python3
"""Permission sweep over a real root: `check --user 1000:1000` against the real loader
started as uid 1000 (chroot --userspec), after one library, or its directory, is given a
mode a user may or may not get through. Set-ID programs are left out (`ld.so --list` is no
set-ID exec). A DIFF whose real line is chroot's own refusal to run the loader (its directory
made unsearchable) is the oracle's limit, not a disagreement: both say the program cannot start.

usage: permissions.py OFDOCTOR ROUNDS SEED [ROOT]
"""
import os, random, sys, shutil, json, tempfile
from sweeplib import sh, elf_programs, fresh_copy
OFD = sys.argv[1]; N = int(sys.argv[2]); rng = random.Random(int(sys.argv[3]))
BASE = sys.argv[4] if len(sys.argv) > 4 else "/var/cache/ofdoctor-bullseye"
W = os.path.join(tempfile.gettempdir(), "ofdoctor-permissions-%d" % os.getpid())
progs = elf_programs(BASE)
fresh_copy(BASE, W)
stats = {"agree": 0, "disagree": 0}
for it in range(N):
    prog = rng.choice(progs)
    lst = sh(["unshare", "-m", "chroot", W, "/lib64/ld-linux-x86-64.so.2", "--list", prog])
    libs = [l.split()[2] for l in lst.stdout.splitlines() if "=>" in l and len(l.split()) >= 3 and l.split()[2].startswith("/")]
    if not libs: continue
    if os.stat(W + prog).st_mode & 0o6000: continue   # ld.so --list is no set-ID exec
    target = os.path.realpath(W + rng.choice(libs))
    mode = rng.choice([0o600, 0o640, 0o604, 0o000, 0o644])
    if rng.random() < 0.4:
        target = os.path.dirname(target)
        mode = rng.choice([0o700, 0o711, 0o750, 0o744, 0o701])
    old = os.stat(target).st_mode & 0o7777
    os.chmod(target, mode)
    real = sh(["unshare", "-m", "chroot", "--userspec=1000:1000", "--groups=1000", W, "/lib64/ld-linux-x86-64.so.2", "--list", prog])
    check = sh([OFD, "check", "--root", W, "--user", "1000:1000", "--format", "json", prog], env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    os.chmod(target, old)
    try: rep = json.loads(check.stdout)
    except Exception: print("BAD", prog, check.stderr[:200]); continue
    errs = [f for f in rep["findings"] if f["severity"] == "error" and f["id"] not in ("LD027",)]
    real_ok = real.returncode == 0
    first = errs[0]["loaderMessage"] if errs else None
    rline = (real.stderr.splitlines() or [""])[0]
    # ld.so --list names the program by its path; check by argv0 = path too
    same = (real_ok and not errs) or (not real_ok and first is not None and first.split(": ", 1)[-1] == rline.split(": ", 1)[-1])
    stats["agree" if same else "disagree"] += 1
    if not same:
        print(f"DIFF {prog} {target[len(W):]} {oct(mode)}: real {real.returncode} {rline!r} | check {check.returncode} {first!r}")
print(stats)
shutil.rmtree(W)
