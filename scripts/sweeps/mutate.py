#!/usr/bin/env python3
"""Mutation sweep over a real root: what ofdoctor plans for roots it has not seen.

Each round copies ROOT (a Debian root from scripts/debian-root.sh), picks a program and one
of its libraries, and breaks it the way roots break: the soname link removed, the library
moved to /opt/m/lib or /usr/local/lib, renamed bare (libfoo.so), or renamed so that its link
dangles (an upgrade half done). Then: the real loader (`ld.so --list` in the root) must fail;
`ofdoctor check --root` must plan a fix; `fix --apply` must make the real loader start it
(a plan that only sets LD_LIBRARY_PATH is reported as FAIL: it reaches no `docker exec`);
`undo` must give back the broken root file by file.

usage: mutate.py OFDOCTOR ROUNDS SEED [ROOT]   (root needed: chroot, unshare)
       MUTATE_GLIBC=1 lets glibc's libraries (not the loader) be broken too: in a glibc 2.31
       root their files are named otherwise (libm.so.6 is a link to libm-2.31.so).
       MUTATE_DAMAGE=1 adds damage in place: a library cut short or replaced by an HTML page.
       MUTATE_ONLY=KIND makes every round that kind (truncate-half, move-bare, …).
"""
import os, random, sys, shutil, json, tempfile
from sweeplib import sh, elf_programs, fresh_copy, snapshot
OFD = sys.argv[1]
N = int(sys.argv[2]); seed = int(sys.argv[3])
BASE = sys.argv[4] if len(sys.argv) > 4 else "/var/cache/ofdoctor-bullseye"
rng = random.Random(seed)
GLIBC_TOO = os.environ.get("MUTATE_GLIBC") == "1"
# Damage in place (MUTATE_DAMAGE=1): cut to half, cut inside the headers, an HTML page. No
# plan can mend the only copy, so check must say so (exit 2) and the loader's first message.
DAMAGE = ["truncate-half", "truncate-header", "html-page"] if os.environ.get("MUTATE_DAMAGE") == "1" else []
W = os.path.join(tempfile.gettempdir(), "ofdoctor-mutate-%d" % os.getpid())

def real_list(root, prog):
    r = sh(["unshare", "-m", "chroot", root, "/lib64/ld-linux-x86-64.so.2", "--list", prog], env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    return r.returncode, (r.stderr.splitlines() or [""])[0]

def ofd(args):
    return sh([OFD] + args, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"})

progs = elf_programs(BASE)
results = {"ok": 0, "fail": 0}
for it in range(N):
    prog = rng.choice(progs)
    fresh_copy(BASE, W)
    root = W
    lst = sh(["unshare", "-m", "chroot", root, "/lib64/ld-linux-x86-64.so.2", "--list", prog])
    libs = []
    for line in lst.stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            name, path = parts[0], parts[2]
            # glibc's own (libm-2.31.so behind libm.so.6) only when asked: MUTATE_GLIBC=1.
            if name.startswith("ld-linux") or (not GLIBC_TOO and name.startswith(("libc.so", "libm.so", "libpthread", "libdl.so", "librt.so"))): continue
            libs.append((name, path))
    if not libs: continue
    name, path = rng.choice(libs)
    real = os.path.realpath(root + path)
    kind = os.environ.get("MUTATE_ONLY") or rng.choice(["unlink-soname", "move-to-opt", "move-bare", "move-to-usr-local", "upgrade-dangling"] + DAMAGE)
    full = root + path
    if kind in DAMAGE:
        # The library's file damaged in place, as a failed copy or download leaves it.
        size = os.path.getsize(real)
        with open(real, "r+b") as f:
            if kind == "truncate-half": f.truncate(size // 2)
            elif kind == "truncate-header": f.truncate(rng.choice([0, 16, 63, 64, 200]))
            elif kind == "html-page": f.truncate(0); f.write(b"<!DOCTYPE html>\n<html><body>Moved</body></html>\n")
    if kind == "upgrade-dangling":
        if not os.path.islink(full) or not os.path.exists(real): kind = "move-to-opt"
        else: os.rename(real, real + ".99")
    if kind == "unlink-soname":
        if not os.path.islink(full): kind = "move-to-opt"
        else: os.unlink(full)
    if kind in ("move-to-opt", "move-bare", "move-to-usr-local"):
        dest = "/opt/m/lib" if kind != "move-to-usr-local" else "/usr/local/lib"
        os.makedirs(root + dest, exist_ok=True)
        fname = os.path.basename(real)
        if kind == "move-bare":
            fname = name.split(".so")[0] + ".so"
        if os.path.islink(full): os.unlink(full)
        if os.path.exists(real): shutil.move(real, root + dest + "/" + fname)
        # every link in the library's directory to it is dangling now; leave them
    before_real = real_list(root, prog)
    check = ofd(["check", "--root", root, "--format", "json", prog])
    try: rep = json.loads(check.stdout)
    except Exception: print("BADJSON", prog, kind, check.stderr[:200]); results["fail"] += 1; continue
    mutated = snapshot(root)
    tag = f"[{it}] {kind} {name} ({prog})"
    if before_real[0] == 0:
        ok = check.returncode == 0 or not any(f["severity"] == "error" for f in rep["findings"])
        print(("OK  " if ok else "FAIL") + " " + tag + " still starts; check " + str(check.returncode))
        results["ok" if ok else "fail"] += 1
        continue
    errs = [f for f in rep["findings"] if f["severity"] == "error"]
    first = errs[0]["loaderMessage"] if errs else None
    def tail(message): return message.split(": ", 1)[-1]
    # (a loader killed by a signal prints nothing, and its finding has no loader message)
    if tail(first or "") != tail(before_real[1]):
        print("MSG " + tag + f" real={before_real[1]!r} check={first!r}")
    apply = ofd(["fix", "--apply", "--root", root, prog])
    after = real_list(root, prog)
    recheck = ofd(["check", "--root", root, prog])
    undo = ofd(["undo", "--root", root])
    restored = snapshot(root) == mutated
    ok = (check.returncode == 1 and apply.returncode == 0 and after[0] == 0 and recheck.returncode == 0 and restored) or \
         (check.returncode == 2 and apply.returncode != 0 and restored)
    print(("OK  " if ok else "FAIL") + f" {tag}: check {check.returncode} plan {[a['kind'] for a in rep['plan']]} apply {apply.returncode} after {after[0]} recheck {recheck.returncode} restored {restored}")
    if not ok:
        print("   ", apply.stdout[-600:], apply.stderr[-300:])
    results["ok" if ok else "fail"] += 1
print(results)
if os.path.exists(W): shutil.rmtree(W)
sys.exit(1 if results["fail"] else 0)
