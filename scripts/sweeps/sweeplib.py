"""What the sweeps share: running a command, the root's ELF programs, a fresh copy of the root,
a listing of the root to compare before and after, `ldd -r` in a root, and what it and
ofdoctor's JSON report say as the same five sets."""
import os, shutil, subprocess

LIBDIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"]
# glibc's own objects share GLIBC_PRIVATE with the loader: another release's copy cannot
# work with this ld.so at all, and no conda tree ships one.
GLIBC = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2",
         "libutil.so.1", "libanl.so.1", "libnsl.so.1", "libmvec.so.1", "libBrokenLocale.so.1",
         "libnss_files.so.2", "libnss_dns.so.2", "libthread_db.so.1", "libcrypt.so.1", "libc_malloc_debug.so.0"}


def sh(cmd, **kw):
    """Runs `cmd` (a list, or a string for the shell), output captured as text."""
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, errors="replace", **kw)


def elf_programs(base):
    """The regular ELF files of BASE's /usr/bin and /usr/sbin, as paths inside the root."""
    progs = []
    for d in ["usr/bin", "usr/sbin"]:
        for n in sorted(os.listdir(os.path.join(base, d))):
            p = os.path.join(base, d, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    progs.append("/" + d + "/" + n)
    return progs


def fresh_copy(base, work):
    """WORK becomes a copy of BASE (with a /proc to mount on)."""
    if os.path.exists(work):
        shutil.rmtree(work)
    sh(["cp", "-a", base, work])
    os.makedirs(work + "/proc", exist_ok=True)


def snapshot(root):
    """Every path of ROOT with its type, link target and mode (ofdoctor's journal left out)."""
    r = sh(f"cd {root} && find . -path ./var/lib/ofdoctor -prune -o -path ./proc -prune -o -printf '%p %y %l %m\\n' | LC_ALL=C sort")
    return r.stdout


def parse(text):
    """(missing sonames, undefined 'REQ|sym|ver', missing versions 'FILE|ver|REQ', weak
    versions 'FILE|ver|REQ', no version information 'FILE|REQ'), fatal."""
    missing, undefined, versions, weak, noinfo, fatal = set(), set(), set(), set(), set(), None
    for raw in text.splitlines():
        line = raw.strip()
        if "error while loading shared libraries: " in line or line.startswith("Inconsistency detected"):
            fatal = line
        elif line.startswith("undefined symbol: "):
            body = line[len("undefined symbol: "):]
            if "\t" not in body:
                continue
            sym, req = body.split("\t", 1)
            ver = ""
            if ", version " in sym:
                sym, ver = sym.split(", version ", 1)
            undefined.add("%s|%s|%s" % (req.strip("()"), sym, ver))
        elif "version `" in line and "(required by " in line:
            kind = ": weak version `" if ": weak version `" in line else ": version `"
            head, rest = line.split(kind, 1)
            ver = rest.split("'", 1)[0]
            req = line.split("(required by ", 1)[1][:-1]
            (weak if "weak" in kind else versions).add("%s|%s|%s" % (head.split()[-1], ver, req))
        elif ": no version information available (required by " in line:
            head, req = line.split(": no version information available (required by ", 1)
            noinfo.add("%s|%s" % (head.split()[-1], req[:-1]))
        elif " => not found" in line:
            missing.add(line.split(" => ")[0])
    return missing, undefined, versions, weak, noinfo, fatal


def model(report):
    """The same five sets from ofdoctor's JSON report."""
    missing, undefined, versions, weak, noinfo = set(), set(), set(), set(), set()
    for f in report["findings"]:
        if f["summary"].startswith("once the other fixes are made"):
            continue
        for s in f["symbols"]:
            undefined.add("%s|%s|%s" % (s["requester"], s["name"], s["version"] or ""))
        for v in f["versions"]:
            if f["id"] == "LD009":
                noinfo.add("%s|%s" % (f["resolvedTo"], v["requester"]))
            else:
                (weak if f["severity"] == "warning" else versions).add("%s|%s|%s" % (f["resolvedTo"], v["name"], v["requester"]))
        if f["id"] == "LD002" and f["library"]:
            missing.add(f["library"])
    return missing, undefined, versions, weak, noinfo


def traced(root, target, env):
    """What `ldd -r` prints for TARGET in ROOT with ENV (stdout and stderr)."""
    e = {"LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes"}
    e.update(env)
    args = ["env", "-i"] + ["%s=%s" % kv for kv in e.items()] + ["/lib64/ld-linux-x86-64.so.2", target]
    r = sh(["unshare", "-m", "chroot", root] + args)
    return r.stdout + r.stderr


def closure(root, target):
    """(soname, path the loader found) of TARGET's libraries in ROOT, and what ldd -r says."""
    text = traced(root, target, {})
    out = []
    for line in text.splitlines():
        if " => " in line and "not found" not in line:
            soname, rest = line.strip().split(" => ", 1)
            out.append((soname, rest.rsplit(" (", 1)[0]))
    return out, parse(text)


def donor_file(donor, soname):
    """DONOR's file for SONAME in its library directories (the real path), or None."""
    for d in LIBDIRS:
        p = os.path.join(donor, d, soname)
        if os.path.exists(p):
            return os.path.realpath(p)
    return None
