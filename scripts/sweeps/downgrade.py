#!/usr/bin/env python3
"""Downgrade sweep: a library of the root replaced by an older release's copy where the loader
finds it, the root's own copy kept elsewhere — the system's old libstdc++.so.6 under a
program built for a newer one, with conda's newer copy in /opt/conda/lib.

Each round picks a program of a copy of ROOT and one library of its closure that DONOR (an
older Debian root) also has, puts DONOR's copy at the path the loader found (ldconfig run in
the root) and the root's own copy at /opt/newer-N/lib/SONAME, and, when `ldd -r` then
reports a shortfall:

- ofdoctor's findings must name what `ldd -r` names (the five sets of sweeplib.parse);
- the LD003/LD004 finding of that library must have a remedy that names the copy in
  /opt/newer-N/lib, and what it says LD_LIBRARY_PATH=/opt/newer-N/lib would do must be
  what the real loader does with it: "this shortfall is gone" — no version of that library
  missing and none of the finding's symbols undefined; "fails otherwise" — `ldd -r` reports
  some problem.

Prints one line a round and a summary; exit 1 when any round disagrees.

usage: downgrade.py OFDOCTOR ROUNDS SEED ROOT DONOR   (root needed: chroot, unshare)
"""
import json, os, random, shutil, sys, tempfile
from sweeplib import sh, elf_programs, fresh_copy, parse, model, traced, closure, donor_file, GLIBC

OFD, N, SEED, BASE, DONOR = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = random.Random(SEED)
W = os.path.join(tempfile.gettempdir(), "ofdoctor-downgrade-%d" % os.getpid())
# A set-user-ID or set-group-ID program runs in secure-execution mode (LD_LIBRARY_PATH
# ignored: ofdoctor's LD029), which the loader run by hand, as ldd runs it, is not.
targets = [p for p in elf_programs(BASE) if not os.stat(BASE + p).st_mode & 0o6000]
counts = {"ok": 0, "diff": 0, "skipped": 0, "claims": 0}
fresh_copy(BASE, W)
for n in range(N):
    target = rng.choice(targets)
    libs, before = closure(W, target)
    if any(before[:5]) or before[5]:
        counts["skipped"] += 1
        continue
    usable = [(s, p) for s, p in libs if s not in GLIBC and not s.startswith("ld-linux") and donor_file(DONOR, s)]
    if not usable:
        counts["skipped"] += 1
        continue
    soname, found = rng.choice(usable)
    real = os.path.realpath(W + found)
    saved = W + "/opt/saved-%d" % n
    shutil.copy2(real, saved)
    newer = "/opt/newer-%d/lib" % n
    os.makedirs(W + newer)
    shutil.copy(real, W + newer + "/" + soname)
    shutil.copy(donor_file(DONOR, soname), real)
    sh(["chroot", W, "/sbin/ldconfig"])
    truth = parse(traced(W, target, {}))
    diffs = []
    if not any(truth[1:3]):
        counts["skipped"] += 1   # the older copy has all it needs
    else:
        r = sh([OFD, "check", "--root", W, "--format", "json", target], env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
        if r.returncode not in (0, 1, 2):
            diffs.append("ofdoctor exit %d: %s" % (r.returncode, r.stderr.strip()[:300]))
        else:
            report = json.loads(r.stdout)
            for name, t, p in zip(["missing", "undefined", "versions", "weak versions", "no version information"], truth[:5], model(report)):
                if t != p:
                    diffs.append("%s: ldd -r only %s; ofdoctor only %s" % (name, sorted(t - p)[:4], sorted(p - t)[:4]))
            shortfalls = [f for f in report["findings"] if f["id"] in ("LD003", "LD004") and f["library"] == soname]
            for f in shortfalls:
                remedy = f["remedy"] or ""
                if (newer + "/" + soname) not in remedy:
                    diffs.append("%s's remedy names no copy in %s: %s" % (f["id"], newer, remedy[:200]))
                    continue
                after = parse(traced(W, target, {"LD_LIBRARY_PATH": newer}))
                counts["claims"] += 1
                symbols = {"%s|%s|%s" % (s["requester"], s["name"], s["version"] or "") for s in f["symbols"]}
                gone = not any(v.split("|")[0].endswith("/" + soname) for v in after[2]) and not (symbols & after[1])
                if "this shortfall is gone" in remedy and not gone:
                    diffs.append("remedy says the shortfall is gone with LD_LIBRARY_PATH=%s; ldd -r: %s" % (newer, [sorted(s)[:3] for s in after[:3]]))
                if "fails otherwise" in remedy and not (any(after[:3]) or after[5]):
                    diffs.append("remedy says the loader fails otherwise; ldd -r with LD_LIBRARY_PATH=%s is clean" % newer)
        counts["diff" if diffs else "ok"] += 1
        print("%s %d %s with %s's %s: %d undefined, %d versions%s" % ("DIFF" if diffs else "ok", n, target, DONOR, soname,
              len(truth[1]), len(truth[2]), "".join("\n    " + d for d in diffs)), flush=True)
    shutil.copy2(saved, real)
    os.remove(saved)
    shutil.rmtree(W + "/opt/newer-%d" % n)
    sh(["chroot", W, "/sbin/ldconfig"])
shutil.rmtree(W)
print("summary: %(ok)d agree, %(diff)d differ, %(skipped)d skipped (no donor copy, broken already, or no shortfall), "
      "%(claims)d remedies' LD_LIBRARY_PATH claims run by the loader" % counts)
sys.exit(1 if counts["diff"] else 0)
