"""What the sweeps share: running a command, the root's ELF programs, a fresh copy of the root,
a listing of the root to compare before and after."""
import os, shutil, subprocess


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
