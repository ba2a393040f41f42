#!/usr/bin/env python3
"""Dynamic-entry sweep: each entry of a real program's dynamic section (or of one of its
libraries, put first on LD_LIBRARY_PATH) removed — the entries after it moved up — or set to
0, and each such file judged by the real loader of ROOT against `ofdoctor check --root ROOT`
(LD035 and the rules before it). The program runs with --version (stdin empty, 20 s at most).

  the program runs (its unedited status) <-> no error (a warning that is a problem may stand:
                                             LD035 "may", a lookup that fails at its first call)
  it fails (a signal, an error)          <-> not healthy
  LD035 says SIGSEGV                     <-> killed by SIGSEGV
  it stops with the loader's own line    <-> that line is the first error's (exit 127; for an
                                             entry removed)

usage: dyntags.py OFDOCTOR ROOT PROGRAM [LIBRARY...]   (paths inside ROOT; root needed: chroot)
With no LIBRARY the program's own entries are edited; else each library's in turn.
"""
import json, os, re, shutil, struct, subprocess, sys

OFD, ROOT, PROGRAM, LIBRARIES = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
W = "/tmp/ofdoctor-dyntags-%d" % os.getpid()
# the lines of ld.so that stop a start (exit 127)
LOADER_LINE = re.compile(r"error while loading shared libraries|symbol lookup error|version `.*' not found|Inconsistency detected by ld.so")
NAMES = {1: "NEEDED", 2: "PLTRELSZ", 3: "PLTGOT", 4: "HASH", 5: "STRTAB", 6: "SYMTAB", 7: "RELA", 8: "RELASZ",
         9: "RELAENT", 10: "STRSZ", 11: "SYMENT", 12: "INIT", 13: "FINI", 14: "SONAME", 15: "RPATH", 16: "SYMBOLIC",
         20: "PLTREL", 21: "DEBUG", 22: "TEXTREL", 23: "JMPREL", 24: "BIND_NOW", 25: "INIT_ARRAY", 26: "FINI_ARRAY",
         27: "INIT_ARRAYSZ", 28: "FINI_ARRAYSZ", 29: "RUNPATH", 30: "FLAGS", 0x6ffffef5: "GNU_HASH", 0x6ffffff0: "VERSYM",
         0x6ffffffe: "VERNEED", 0x6fffffff: "VERNEEDNUM", 0x6ffffffc: "VERDEF", 0x6ffffffd: "VERDEFNUM",
         0x6ffffff9: "RELACOUNT", 0x6ffffffb: "FLAGS_1"}


def dynamic_entries(data):
    """PT_DYNAMIC's file offset and its entries up to DT_NULL (ELF64 little endian)."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    for i in range(phnum):
        kind, _, offset, _, _, size, _, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i)
        if kind == 2:
            entries = []
            for n in range(size // 16):
                entries.append(struct.unpack_from("<qQ", data, offset + 16 * n))
                if entries[-1][0] == 0:
                    break
            return offset, entries
    return None, []


def edited(data, offset, entries, index, remove):
    out = bytearray(data)
    if remove:
        for j, (tag, value) in enumerate(entries[index + 1:] + [(0, 0)]):
            struct.pack_into("<qQ", out, offset + 16 * (index + j), tag, value)
    else:
        struct.pack_into("<qQ", out, offset + 16 * index, entries[index][0], 0)
    return out


def run(library_path):
    """The program run in ROOT with --version: the completed process, or None on a timeout."""
    env = "LD_LIBRARY_PATH=" + W if library_path else ""
    cmd = ["unshare", "-m", "/bin/sh", "-c",
           'mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" /usr/bin/env -i %s "$1" --version' % env, ROOT, W + "/prog"]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=20, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None


def real(library_path, baseline):
    """What the run came to: "runs" (the unedited program's status), a signal, or an exit."""
    r = run(library_path)
    if r is None:
        return "timeout"
    # (chroot execs the program: a signal ends the process itself)
    if r.returncode < 0:
        return "signal %d" % -r.returncode
    if r.returncode == baseline:
        return "runs"
    return "exit %d: %s" % (r.returncode, (r.stderr.strip().splitlines() or [""])[-1][:160])


def model(library_path):
    args = [OFD, "check", "--format", "json", "--root", ROOT] + (["--env", "LD_LIBRARY_PATH=" + W] if library_path else []) + [W + "/prog"]
    c = subprocess.run(args, capture_output=True, text=True, errors="replace", env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    if c.returncode == 3:
        return "bad input", None
    if c.returncode not in (0, 1, 2):
        return "CRASH %d: %s" % (c.returncode, c.stderr[:200]), None
    report = json.loads(c.stdout)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    return ("healthy" if c.returncode == 0 else "problem"), (errors, report["findings"])


def agrees(r, m, found, removed):
    if m.startswith("CRASH"):
        return False
    errors, findings = found if found else ([], [])
    if r == "runs":
        return all(f["failsAtFirstCall"] for f in errors)
    if m == "healthy":
        return False
    # (the loader's first failure decides what it does)
    unchecked = [f for f in errors[:1] if f["id"] == "LD035"]
    if unchecked:
        # (at exit, what it printed and did not flush is lost: its output is no sign)
        return r == "signal 11"
    # (where the loader stops with its own line, that line is the first error's: for an entry
    # removed; a value set to 0 is read as it is, from the ELF header, and what the loader
    # then prints is not modelled word for word)
    if removed and r.startswith("exit 127: ") and errors and LOADER_LINE.search(r):
        said = (errors[0].get("loaderMessage") or "").splitlines()
        return r[len("exit 127: "):] in [line[:160] for line in said]
    return True


def describe(m, found):
    if not found:
        return m
    errors, findings = found
    first = (errors or [f for f in findings if f["severity"] == "warning"] or [None])[0]
    return m if first is None else "%s %s %s: %s" % (m, first["id"], first["severity"], first["summary"][:150])


counts = {"agree": 0, "differ": 0}
os.makedirs(ROOT + W, exist_ok=True)
try:
    shutil.copy(ROOT + PROGRAM, ROOT + W + "/prog")
    targets = [(ROOT + W + "/prog", None)]
    if LIBRARIES:
        targets = []
        for library in LIBRARIES:
            copy = ROOT + W + "/" + os.path.basename(library)
            shutil.copy(os.path.realpath(ROOT + library) if not os.path.islink(ROOT + library)
                        else os.path.join(os.path.dirname(ROOT + library), os.readlink(ROOT + library)), copy)
            targets.append((copy, library))
    # The unedited program's status, every copy in place (--version may be an option it
    # does not know): what "runs" means.
    unedited = run(LIBRARIES[0] if LIBRARIES else None)
    baseline = unedited.returncode if unedited is not None else None
    if baseline is None or baseline < 0 or baseline == 127:
        # (a program whose run paths are relative to its own place does not start from a copy)
        print(PROGRAM, " ".join(LIBRARIES), "skipped: the unedited copy does not start here (%s)" % baseline)
        sys.exit(0)
    for target, library in targets:
        whole = open(target, "rb").read()
        offset, entries = dynamic_entries(whole)
        for index, (tag, value) in enumerate(entries):
            if tag == 0:
                continue
            for remove in (True, False):
                if not remove and value == 0:
                    continue
                with open(target, "wb") as f:
                    f.write(edited(whole, offset, entries, index, remove))
                os.chmod(target, 0o755)
                r, (m, found) = real(library, baseline), model(library)
                ok = agrees(r, m, found, remove)
                counts["agree" if ok else "differ"] += 1
                if not ok or os.environ.get("DYNTAGS_VERBOSE") == "1":
                    print("%s %s DT_%s %s: the loader %r; check %s" % ("ok  " if ok else "DIFF", library or PROGRAM,
                          NAMES.get(tag, hex(tag)), "removed" if remove else "0", r, describe(m, found)))
        with open(target, "wb") as f:
            f.write(whole)
finally:
    shutil.rmtree(ROOT + W, ignore_errors=True)
print(PROGRAM, " ".join(LIBRARIES), counts)
sys.exit(1 if counts["differ"] else 0)
