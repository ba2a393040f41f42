#!/usr/bin/env python3
"""build-generated-roots.py OUTDIR [COUNT] [SEED] -- roots no one wrote by hand.

Each is OUTDIR/generated/<NNN>/{root,env,program,recipe}, laid out like the rule roots
(build-rule-roots.sh): a small Debian-like root (lib.sh's mkroot and launcher), a program
/app/bin/prog and its environment. The rule roots isolate one loader rule each; these mix
them at random from a seed, so the model meets combinations nobody thought to write: copies
of five libraries in a dozen directories, good, older (a version node or a symbol short),
unversioned, built for another machine or class, under their soname or only their real
name, behind good, dangling or looping links; flavoured (FLAVOURS) with SysV or both hash
tables, weak, IFUNC or protected definitions (protected data the program copies, from a
library built with -mno-direct-extern-access or not), the next library as a filter (DT_FILTER) or
auxiliary filter (DT_AUXILIARY) or a filter name that is nowhere, a function only at a hidden or an older
version, references that name no version, or short of a symbol in a way the loader tells
apart (local binding, section type, value 0, hidden visibility, data or thread-local
variable gone), or, rarely, damaged (DT_RELASZ, DT_RELAENT or DT_SYMTAB removed: the loader dies
relocating it, mapping it, or at the first lookup that reaches it); RPATH or RUNPATH ($ORIGIN included) on the
program and the libraries; -z nodefaultlib; the kernel's vDSO named in DT_NEEDED; LD_LIBRARY_PATH and LD_PRELOAD; ld.so.conf.d
entries; a cache that is fresh, stale or absent. Nothing expected is stored: the real
loader, run in the root, is the oracle (Tests/EndToEndTests/GeneratedRootTests.swift).

With --split-usr the roots are laid out without merged /usr, as older images are: /lib, /lib64
and /bin are directories of their own, glibc is in /lib/x86_64-linux-gnu, and copies go to
/lib/x86_64-linux-gnu and /lib too (OUTDIR/generated-split, or generated-<name>-split).

With --glibc-root DIR the roots take DIR's loader, libc and ldconfig (a Debian 11 root:
glibc 2.31, the OpenFace image's; a Debian 13 root: glibc 2.41, without legacy hwcaps;
each loader has other rules) and go to
OUTDIR/generated-<name>. The libraries libg0..libg4 (sonames libgN.so.1) are built once into
the output's .pool.
libg0 needs libg2, libg1 needs libg3, libg2 needs libg4, each calling the other's gN_f and
reading its gN_data and thread-local gN_tls at version GN_2; the program needs libg0 and
libg1, calls g0_f and g1_f, reads g1_data (a copy relocation) and g0_tls (initial-exec TLS)
and prints "started" once that all added up to 0. The same SEED and COUNT give the same roots on every machine with the same
compiler.
"""
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = 5
DEPS = {0: [2], 1: [3], 2: [4], 3: [], 4: []}
MULTIARCH = "/usr/lib/x86_64-linux-gnu"
# where copies go: search-path directories, hwcaps and legacy subdirectories, and
# directories only a conf file, an RPATH or LD_LIBRARY_PATH would name
DIRECTORIES = ["/app/lib", "/app/lib2", "/opt/x/lib", "/usr/local/lib", MULTIARCH, "/usr/lib",
               "/app/lib/glibc-hwcaps/x86-64-v2", "/app/lib/x86_64", "/app/lib/tls", "/opt/y",
               "/opt/x/lib/glibc-hwcaps/x86-64-v3", "/usr/local/lib/x86_64-linux-gnu", "/app/lib/x86_64-linux-gnu"]
PATH_ENTRIES = DIRECTORIES + ["$ORIGIN/../lib", "$ORIGIN/../lib2", "$ORIGIN", "/nonexistent",
                              "$ORIGIN/../../opt/y", "/app/lib/", "/usr/$LIB", "/app/$LIB", "/app/lib/$PLATFORM",
                              "$ORIGIN/../lib/${PLATFORM}"]
# LD_LIBRARY_PATH: the directories, tokens the loader expands there too, and, rarely, an
# empty or relative element (the working directory: / in the chroot)
LIBRARY_PATH_ENTRIES = DIRECTORIES + ["/nonexistent", "/usr/$LIB", "/app/lib/$PLATFORM", "$ORIGIN/../lib"]
# kinds of copy and their weights
KINDS = [("good", 36), ("old", 8), ("plain", 7), ("unversioned", 6), ("soname2", 5), ("hollow", 5),
         ("machine", 4), ("class", 3), ("dangling", 5), ("link", 10), ("realname", 9),
         ("devname", 3), ("loop", 2), ("hardlink", 4)]
# directories that are sometimes links to others: the loader names files by the spelled
# path, ldconfig and the loader's file identity see one directory (relative targets only:
# the files are put in place from outside the root, where an absolute one leads elsewhere)
DIRECTORY_LINKS = [("/app/lib2", "../opt/y"), ("/opt/y", "../app/lib"), ("/usr/local/lib/x86_64-linux-gnu", "../../lib/x86_64-linux-gnu"),
                   ("/app/lib/x86_64-linux-gnu", "."), ("/opt/x/lib", "../../app/lib2")]


def run(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sh(script, *args):
    """Runs bash with lib.sh sourced."""
    run("bash", "-c", '. "$0"; ' + script, os.path.join(HERE, "lib.sh"), *args)


# Symbol-level flavours of a copy, drawn from a second random stream of the root (so the
# first stream, and with it every root's layout, stays what it was): what a good copy
# defines can still be built differently, and a copy short of a symbol can be short in
# several ways the loader tells apart (elf/dl-lookup.c `check_match`, `do_lookup_x`).
GOOD_FLAVOURS = [("good", 40), ("sysv", 5), ("both", 3), ("weak", 3), ("ifunc", 3), ("protected", 3),
                 # gN_data protected, which the program copies (libg1): glibc 2.35+ warn, and
                 # refuse it from a library built with -mno-direct-extern-access
                 ("protdata", 2), ("protindirect", 2),
                 ("hiddenver", 4), ("twover", 4), ("unvref", 5),
                 # filter objects: the next library as DT_FILTER or DT_AUXILIARY (loaded with
                 # it, before it in the search list), or a name that is nowhere
                 ("filter", 2), ("auxiliary", 2), ("auxabsent", 1), ("filtermiss", 1),
                 # now and then a copy of the soname that is short after all
                 ("nodata", 2), ("notls", 2), ("newer", 1), ("local", 1), ("section", 1), ("value0", 1), ("hiddenvis", 1),
                 # and, rarely, a damaged one (DAMAGED): the loader dies of it relocating it, as it
                 # maps it, or at the first lookup that reaches it
                 ("relasz", 1), ("relaent", 1), ("nosymtab", 1)]
HOLLOW_FLAVOURS = [("hollow", 4), ("newer", 2), ("local", 2), ("section", 1), ("value0", 2),
                   ("hiddenvis", 2), ("nodata", 3), ("notls", 3)]
UNVERSIONED_FLAVOURS = [("unversioned", 2), ("unversioned-libc", 2)]
FLAVOURS = {"good": GOOD_FLAVOURS, "hollow": HOLLOW_FLAVOURS, "unversioned": UNVERSIONED_FLAVOURS}
# flavours made by removing dynamic entries of the good copy (the entries after them moved
# up), as a damaged file or one edited by hand has them: DT_RELASZ, DT_RELAENT, DT_SYMTAB
DAMAGED = {"relasz": [8], "relaent": [9], "nosymtab": [6]}
# flavours made by patching one dynamic symbol of the good copy: (symbol, field, value)
PATCHED = {"local": ("f", "bind", 0), "section": ("f", "type", 3), "value0": ("f", "value", 0),
           "hiddenvis": ("f", "other", 2)}


def flavour(rng, k):
    table = FLAVOURS.get(k)
    return rng.choices([f for f, _ in table], weights=[w for _, w in table])[0] if table else k


def source(i, code):
    """C source of libgN: `new` defines gN_f (calling its dependencies' gN_f and reading
    their gN_data and thread-local gN_tls), gN_data, gN_tls and gN_old; `old` only gN_old
    (an older release: no dependencies); `hollow` gN_old and gN_other. The rest are `new`
    built another way: gN_f weak, an IFUNC, protected, only at a non-default version
    (`hiddenver`), at G_2 hidden and G_3 default (`twover`), only at G_3 (`newer`); without
    gN_data or gN_tls; calling libc (`libc`)."""
    lines = ["int g%d_old(void) { return 0; }" % i]
    if code == "hollow":
        lines.append("int g%d_other(void) { return 0; }" % i)
    if code in ("old", "hollow"):
        return "\n".join(lines) + "\n"
    for j in DEPS[i]:
        lines += ["int g%d_f(void);" % j, "extern int g%d_data;" % j, "extern __thread int g%d_tls;" % j]
    body = "return 0%s;" % "".join(" + g%d_f() + g%d_data + g%d_tls" % (j, j, j) for j in DEPS[i])
    if code == "libc":
        lines.append("unsigned long strlen(const char *);")
        body = "return (int)strlen(\"\")%s;" % "".join(" + g%d_f() + g%d_data + g%d_tls" % (j, j, j) for j in DEPS[i])
    if code in ("protdata", "protindirect"):
        lines.append("__attribute__((visibility(\"protected\"))) int g%d_data = 0;" % i)
    elif code != "nodata":
        lines.append("int g%d_data = 0;" % i)
    if code != "notls":
        lines.append("__thread int g%d_tls = 0;" % i)
    attribute = {"weak": "__attribute__((weak)) ", "protected": "__attribute__((visibility(\"protected\"))) "}.get(code, "")
    if code == "ifunc":
        lines += ["static int g%d_impl(void) { %s }" % (i, body),
                  "static void *g%d_resolve(void) { return (void *)g%d_impl; }" % (i, i),
                  "int g%d_f(void) __attribute__((ifunc(\"g%d_resolve\")));" % (i, i)]
    elif code in ("hiddenver", "twover", "newer"):
        lines.append("int g%d_impl(void) { %s }" % (i, body))
        if code == "twover":
            lines += ["int g%d_impl3(void) { return g%d_impl(); }" % (i, i),
                      '__asm__(".symver g%d_impl,g%d_f@G%d_2");' % (i, i, i),
                      '__asm__(".symver g%d_impl3,g%d_f@@G%d_3");' % (i, i, i)]
        else:
            lines.append('__asm__(".symver g%d_impl,g%d_f@%sG%d_%d");' % (i, i, "@" if code == "newer" else "", i,
                                                                       3 if code == "newer" else 2))
    else:
        lines.append("%sint g%d_f(void) { %s }" % (attribute, i, body))
    return "\n".join(lines) + "\n"


def version_script(i, code):
    """G_1 holds gN_old, G_2 what the program and the other libraries were linked against."""
    second = {"hollow": "g%d_other;" % i}.get(code, "g%d_f; g%d_data; g%d_tls;" % (i, i, i))
    if code in ("hiddenver", "twover", "newer"):
        second = "g%d_data; g%d_tls;" % (i, i)
    script = "G%d_1 { global: g%d_old; local: *; };\nG%d_2 { global: %s } G%d_1;\n" % (i, i, i, second, i)
    if code in ("twover", "newer"):
        script += "G%d_3 { } G%d_2;\n" % (i, i)
    return script


def patch_symbol(path, name, field, value):
    """Sets one field of a dynamic symbol of an x86-64 ELF file in place."""
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + k * shentsize) for k in range(shnum)]
        for _, kind, _, _, offset, size, link, _, _, entsize in sections:
            if kind != 11:   # SHT_DYNSYM
                continue
            strings = sections[link][4]
            for at in range(offset, offset + size, entsize):
                st_name, st_info, st_other = struct.unpack_from("<IBB", data, at)
                if data[strings + st_name:data.index(0, strings + st_name)] != name.encode():
                    continue
                if field == "bind":
                    data[at + 4] = (value << 4) | (st_info & 0xf)
                elif field == "type":
                    data[at + 4] = (st_info & 0xf0) | value
                elif field == "other":
                    data[at + 5] = value
                elif field == "value":
                    struct.pack_into("<Q", data, at + 8, value)
                f.seek(0)
                f.write(data)
                return
    raise SystemExit("build-generated-roots.py: no dynamic symbol %s in %s" % (name, path))


def drop_dynamic_entries(path, tags):
    """Removes the dynamic entries of `tags` from an x86-64 ELF file, moving the rest up."""
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        phoff, = struct.unpack_from("<Q", data, 32)
        phnum, = struct.unpack_from("<H", data, 56)
        dynamic = next(struct.unpack_from("<Q", data, phoff + 56 * k + 8)[0] for k in range(phnum)
                       if struct.unpack_from("<I", data, phoff + 56 * k)[0] == 2)
        entries, at = [], dynamic
        while True:
            tag, value = struct.unpack_from("<qQ", data, at)
            if tag == 0:
                break
            entries.append((tag, value))
            at += 16
        kept = [e for e in entries if e[0] not in tags] + [(0, 0)] * (len([e for e in entries if e[0] in tags]) + 1)
        for k, entry in enumerate(kept):
            struct.pack_into("<qQ", data, dynamic + 16 * k, *entry)
        f.seek(0)
        f.write(data)


def build_pool(pool):
    """The library variants and flavours, and the programs, compiled once."""
    os.makedirs(pool, exist_ok=True)
    cc = ["gcc", "-shared", "-fPIC", "-Wl,--no-as-needed", "-Wl,--disable-new-dtags"]
    for i in reversed(range(LIBS)):   # dependencies first
        deps = [os.path.join(pool, "good", "libg%d.so.1" % j) for j in DEPS[i]]
        unversioned_deps = [os.path.join(pool, "unversioned", "libg%d.so.1" % j) for j in DEPS[i]]
        versioned = lambda code: version_script(i, code)
        for variant, code, script, soname, linked, extra in [
            ("good", "new", versioned("new"), 1, deps, []),
            ("old", "old", "G%d_1 { global: g%d_old; local: *; };\n" % (i, i), 1, [], []),
            ("plain", "old", None, 1, [], []),
            ("unversioned", "new", None, 1, deps, []),
            ("unversioned-libc", "libc", None, 1, deps, []),
            ("soname2", "new", versioned("new"), 2, deps, []),
            # the version node is there, the symbol is not (conda's libffi and
            # ffi_type_uint32@LIBFFI_BASE_7.0): the version check passes, binding fails
            ("hollow", "hollow", versioned("hollow"), 1, [], []),
            ("sysv", "new", versioned("new"), 1, deps, ["-Wl,--hash-style=sysv"]),
            ("both", "new", versioned("new"), 1, deps, ["-Wl,--hash-style=both"]),
            ("weak", "weak", versioned("new"), 1, deps, []),
            ("ifunc", "ifunc", versioned("new"), 1, deps, []),
            ("protected", "protected", versioned("new"), 1, deps, []),
            ("protdata", "protdata", versioned("new"), 1, deps, []),
            ("protindirect", "protindirect", versioned("new"), 1, deps, ["-mno-direct-extern-access"]),
            ("hiddenver", "hiddenver", versioned("hiddenver"), 1, deps, []),
            ("twover", "twover", versioned("twover"), 1, deps, []),
            ("newer", "newer", versioned("newer"), 1, deps, []),
            ("nodata", "nodata", versioned("nodata"), 1, deps, []),
            ("notls", "notls", versioned("notls"), 1, deps, []),
            # linked against unversioned builds: its references name no version
            ("unvref", "new", versioned("new"), 1, unversioned_deps, []),
            ("filter", "new", versioned("new"), 1, deps, ["-Wl,-F,libg%d.so.1" % ((i + 1) % LIBS)]),
            ("auxiliary", "new", versioned("new"), 1, deps, ["-Wl,-f,libg%d.so.1" % ((i + 1) % LIBS)]),
            ("auxabsent", "new", versioned("new"), 1, deps, ["-Wl,-f,libgnone.so.1"]),
            ("filtermiss", "new", versioned("new"), 1, deps, ["-Wl,-F,libgnone.so.1"]),
        ]:
            d = os.path.join(pool, variant)
            os.makedirs(d, exist_ok=True)
            c = os.path.join(d, "g%d.c" % i)
            with open(c, "w") as f:
                f.write(source(i, code))
            argv = cc + ["-o", os.path.join(d, "libg%d.so.1" % i), "-Wl,-soname,libg%d.so.%d" % (i, soname), c] + linked + extra
            if script:
                m = os.path.join(d, "g%d.map" % i)
                with open(m, "w") as f:
                    f.write(script)
                argv.append("-Wl,--version-script=" + m)
            run(*argv)
        # another machine (EM_AARCH64) and another class (ELFCLASS32 in e_ident) of the good
        # one, and the good one with gN_f patched where the loader looks
        for variant, offset, value in [("machine", 18, 183), ("class", 4, 1)] + [(k, None, None) for k in PATCHED]:
            d = os.path.join(pool, variant)
            os.makedirs(d, exist_ok=True)
            out = os.path.join(d, "libg%d.so.1" % i)
            shutil.copyfile(os.path.join(pool, "good", "libg%d.so.1" % i), out)
            if offset is None:
                symbol, field, number = PATCHED[variant]
                patch_symbol(out, "g%d_%s" % (i, symbol), field, number)
                continue
            with open(out, "r+b") as f:
                f.seek(offset)
                f.write(bytes([value]))
        for variant, tags in DAMAGED.items():
            d = os.path.join(pool, variant)
            os.makedirs(d, exist_ok=True)
            out = os.path.join(d, "libg%d.so.1" % i)
            shutil.copyfile(os.path.join(pool, "good", "libg%d.so.1" % i), out)
            drop_dynamic_entries(out, tags)
    prog = os.path.join(pool, "prog.c")
    startup = []
    uses = ('int g0_f(void);\nint g1_f(void);\nextern int g1_data;\nextern __thread int g0_tls;\n')
    # g1_data by a copy relocation (the program holds it; the loader fills it from a library),
    # g0_tls by an initial-exec TLS relocation
    total = "g0_f() + g1_f() + g1_data + g0_tls"
    with open(prog, "w") as f:
        if GLIBC_ROOT is None:
            f.write('#include <stdio.h>\n' + uses +
                    'int main(void) { int r = %s; if (r == 0) puts("started"); return r; }\n' % total)
        else:
            # For another glibc (older or newer than the compiler's): no C start-up files, whose
            # __libc_start_main would need this glibc's version; raw system calls instead.
            f.write(uses +
                    'static long sys3(long n, long a, long b, long c) { long r; __asm__ volatile ("syscall" : "=a"(r)'
                    ' : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }\n'
                    '__attribute__((force_align_arg_pointer, noreturn)) void _start(void) {\n'
                    '  int r = %s; if (r == 0) sys3(1, 1, (long)"started\\n", 8); sys3(231, r, 0, 0); for (;;) {} }\n' % total)
            startup = ["-nostartfiles", "-lc"]
    for name, flavour_dir, extra in [("prog", "good", []), ("prog-nodeflib", "good", ["-Wl,-z,nodefaultlib"]),
                                     ("prog-unvref", "unversioned", [])]:
        linked = [os.path.join(pool, flavour_dir, "libg%d.so.1" % i) for i in (0, 1)]
        run("gcc", "-o", os.path.join(pool, name), "-Wl,--no-as-needed", "-Wl,--disable-new-dtags",
            "-Wl,-rpath-link," + os.path.join(pool, "good"), prog, *linked, *extra, *startup)
    run("gcc", "-static", "-O2", "-o", os.path.join(pool, "launch"), os.path.join(HERE, "src", "launch.c"))


def search_list(rng):
    return ":".join(rng.sample(PATH_ENTRIES, rng.randint(1, 3)))


def kind(rng):
    return rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]


class Root:
    def __init__(self, path, rng, flavours):
        self.path, self.rng, self.flavours, self.recipe, self.later = path, rng, flavours, [], []

    def host(self, inside):
        return self.path + inside

    def aside(self, number):
        return self.path + ".later-%d" % number

    def place(self, inside, make):
        """Calls make(host path) unless something is there already."""
        target = self.host(inside)
        if os.path.lexists(target) or inside in self.later:
            return False
        os.makedirs(os.path.dirname(target), exist_ok=True)
        make(target)
        return True

    def copy(self, pool, variant, i, inside):
        """Puts a copy of libgN in a variant there, flavoured (FLAVOURS) from the second
        random stream; the recipe names the flavour when it is not the plain variant."""
        chosen = flavour(self.flavours, variant)

        def make(target):
            shutil.copyfile(os.path.join(pool, chosen, "libg%d.so.1" % i), target)
            os.chmod(target, 0o755)
        made = self.place(inside, make)
        if made and chosen != variant:
            self.recipe.append("  (libg%d at %s is flavour %s)" % (i, inside, chosen))
        return made

    def patch(self, inside, i):
        """Sometimes RPATH or RUNPATH, an extra or a missing DT_NEEDED on a library copy."""
        rng, target = self.rng, self.host(inside)
        r = rng.random()
        if r < 0.12:
            value = search_list(rng)
            run("patchelf", "--force-rpath", "--set-rpath", value, target)
            self.recipe.append("  RPATH %s" % value)
        elif r < 0.24:
            value = search_list(rng)
            run("patchelf", "--set-rpath", value, target)
            self.recipe.append("  RUNPATH %s" % value)
        r = rng.random()
        if r < 0.12:
            extra = "libg%d.so.1" % rng.choice([j for j in range(LIBS) if j != i])
            run("patchelf", "--add-needed", extra, target)
            self.recipe.append("  NEEDED +%s" % extra)
        elif r < 0.15:
            run("patchelf", "--add-needed", "libnowhere.so.1", target)
            self.recipe.append("  NEEDED +libnowhere.so.1")


def begin_root(out, template, label):
    """A fresh OUTDIR/<label>.new/root made of hard links to the template (nothing that
    follows writes into an existing file in place); returns (variant directory, root)."""
    variant_dir = os.path.join(out, label + ".new")
    shutil.rmtree(variant_dir, ignore_errors=True)
    os.makedirs(variant_dir)
    path = os.path.join(variant_dir, "root")
    run("cp", "-al", template, path)
    return variant_dir, path


def run_ldconfig(path):
    """The root's cache: the host's ldconfig -r, or the root's own when it has another glibc
    (static: it runs in the chroot)."""
    if GLIBC_ROOT is None:
        run("ldconfig", "-r", path)
    else:
        run("chroot", path, "/usr/sbin/ldconfig")


def finish_root(out, variant_dir, label, environment, program, recipe):
    """Writes env, program and recipe, and puts the root in place as OUTDIR/<label>."""
    for name, text in [("env", "".join(line + "\n" for line in environment)), ("program", program + "\n"),
                       ("recipe", recipe)]:
        with open(os.path.join(variant_dir, name), "w") as f:
            f.write(text)
    final = os.path.join(out, label)
    shutil.rmtree(final, ignore_errors=True)
    os.rename(variant_dir, final)


def generate(out, pool, template, number, seed, label=None):
    label = label or "%03d" % number
    rng = random.Random(seed * 100003 + number)
    variant_dir, path = begin_root(out, template, label)
    root = Root(path, rng, random.Random("flavours %d %d" % (seed, number)))
    recipe = root.recipe
    cache = rng.choices(["fresh", "stale", "none"], weights=[50, 35, 15])[0]
    recipe.append("cache %s" % cache)
    if rng.random() < 0.2:
        link, target = rng.choice(DIRECTORY_LINKS)
        if not os.path.lexists(root.host(link)):
            os.makedirs(os.path.dirname(root.host(link)), exist_ok=True)
            os.makedirs(root.host(os.path.normpath(os.path.join(os.path.dirname(link), target))), exist_ok=True)
            os.symlink(target, root.host(link))
            recipe.append("directory %s -> %s" % (link, target))

    for i in range(LIBS):
        # most libraries have one good copy, often in a directory the loader searches by
        # default (so that some roots are healthy and many fixable), then 0-2 others
        copies = [("good", rng.choice([MULTIARCH, "/usr/lib"] if rng.random() < 0.4 else DIRECTORIES))] if rng.random() < 0.85 else []
        copies += [(kind(rng), rng.choice(DIRECTORIES)) for _ in range(rng.choices([0, 1, 2], weights=[40, 40, 20])[0])]
        for k, directory in copies:
            soname = "%s/libg%d.so.1" % (directory, i)
            later = cache == "stale" and rng.random() < 0.35
            made = None   # the name this copy made in `directory`
            if k in ("good", "old", "plain", "unversioned", "soname2", "hollow", "machine", "class"):
                if root.copy(pool, k, i, soname):
                    made = soname
                    recipe.append("libg%d %s: %s" % (i, k, made))
                    if k in ("good", "unversioned", "soname2"):
                        root.patch(soname, i)
            elif k == "realname":
                # only the real name: found once ldconfig (scanning that directory) links the soname
                name = "%s/libg%d.so.1.%d" % (directory, i, rng.randint(0, 9))
                made = name if root.copy(pool, "good", i, name) else None
            elif k == "devname":
                name = "%s/libg%d.so" % (directory, i)
                made = name if root.copy(pool, "good", i, name) else None
            elif k == "dangling":
                made = soname if root.place(soname, lambda t: os.symlink("libg%d.so.1.9.9" % i, t)) else None
            elif k == "hardlink":
                # the same file under a second name: one object to the loader
                elsewhere = rng.choice([d for d in DIRECTORIES if d != directory])
                real = "%s/libg%d.so.1.1.%d" % (elsewhere, i, rng.randint(0, 9))
                if root.copy(pool, "good", i, real):
                    if root.place(soname, lambda t: os.link(root.host(real), t)):
                        made = soname
                        recipe.append("libg%d hardlink: %s = %s" % (i, soname, real))
            elif k == "loop":
                made = soname if root.place(soname, lambda t: os.symlink("libg%d.so.1" % i, t)) else None
            elif k == "link":
                # a link (relative or absolute) to a copy in another directory
                elsewhere = rng.choice([d for d in DIRECTORIES if d != directory])
                real = "%s/libg%d.so.1.0.%d" % (elsewhere, i, rng.randint(0, 9))
                variant = rng.choice(["good", "good", "old"])
                if root.copy(pool, variant, i, real):
                    target = os.path.relpath(real, directory) if rng.random() < 0.5 else real
                    if root.place(soname, lambda t: os.symlink(target, t)):
                        made = soname
                        recipe.append("libg%d link: %s -> %s (%s)" % (i, soname, target, variant))
            if made is None:
                continue
            if k in ("realname", "devname", "dangling", "loop"):
                recipe.append("libg%d %s: %s" % (i, k, made))
            if later:
                # put aside now (where ldconfig does not look: it would drop a dangling
                # link), back after ldconfig ran: the cache does not know it
                recipe.append("  (put there after ldconfig)")
                os.rename(root.host(made), root.aside(len(root.later)))
                root.later.append(made)

    program = "/app/bin/prog"
    nodeflib = rng.random() < 0.1
    # sometimes linked against unversioned builds: its references name no version
    built = "prog-nodeflib" if nodeflib else "prog-unvref" if root.flavours.random() < 0.12 else "prog"
    root.place(program, lambda t: shutil.copyfile(os.path.join(pool, built), t))
    os.chmod(root.host(program), 0o755)
    recipe.append("program %s%s" % (program, {"prog-nodeflib": " -z nodefaultlib", "prog-unvref": " (unversioned references)"}[built]
                                    if built != "prog" else ""))
    r = rng.random()
    if r < 0.3:
        value = search_list(rng)
        run("patchelf", "--force-rpath", "--set-rpath", value, root.host(program))
        recipe.append("  RPATH %s" % value)
    elif r < 0.6:
        value = search_list(rng)
        run("patchelf", "--set-rpath", value, root.host(program))
        recipe.append("  RUNPATH %s" % value)

    if rng.random() < 0.06:
        # a DT_NEEDED with a slash: opened as a path, never searched
        i = rng.choice([0, 1])
        direct = "%s/libg%d.so.1" % (rng.choice(DIRECTORIES), i)
        run("patchelf", "--replace-needed", "libg%d.so.1" % i, direct, root.host(program))
        recipe.append("  NEEDED libg%d.so.1 -> %s" % (i, direct))
    if root.flavours.random() < 0.06:
        # the kernel's vDSO by name, as bundlers that copy ldd's list write it: no file
        run("patchelf", "--add-needed", "linux-vdso.so.1", root.host(program))
        recipe.append("  NEEDED + linux-vdso.so.1")

    if rng.random() < 0.5:
        conf = "\n".join(rng.sample(["/opt/x/lib", "/opt/y", "/app/lib", "/app/lib2", "/usr/local/lib/x86_64-linux-gnu"], rng.randint(1, 2)))
        if rng.random() < 0.25:
            # through an include, absolute or relative to the including file's directory
            os.makedirs(root.host("/etc/ld.so.conf.d/extra"), exist_ok=True)
            with open(root.host("/etc/ld.so.conf.d/extra/more.conf"), "w") as f:
                f.write(conf + "\n")
            include = rng.choice(["include /etc/ld.so.conf.d/extra/*.conf", "include extra/*.conf"])
            with open(root.host("/etc/ld.so.conf.d/generated.conf"), "w") as f:
                f.write(include + "\n")
            recipe.append("ld.so.conf.d/generated.conf: %s; extra/more.conf: %s" % (include, conf.replace("\n", " ")))
        else:
            with open(root.host("/etc/ld.so.conf.d/generated.conf"), "w") as f:
                f.write(conf + "\n")
            recipe.append("ld.so.conf.d/generated.conf: %s" % conf.replace("\n", " "))
    if cache != "none":
        run_ldconfig(path)
    for index, inside in enumerate(root.later):
        os.rename(root.aside(index), root.host(inside))

    environment = []
    if rng.random() < 0.35:
        entries = rng.sample(LIBRARY_PATH_ENTRIES, rng.randint(1, 3))
        if rng.random() < 0.08:
            entries.insert(rng.randint(0, len(entries)), rng.choice(["", "app/lib", "."]))
        environment.append("LD_LIBRARY_PATH=" + ":".join(entries))
    if rng.random() < 0.1:
        environment.append("LD_PRELOAD=" + rng.choice(["libg4.so.1", "/app/lib/libg4.so.1", "libg3.so.1",
                                                       "libnowhere.so.1", "/usr/lib/libg2.so.1 libg4.so.1"]))
    recipe += environment
    finish_root(out, variant_dir, label, environment, program,
                "seed %d root %d\n" % (seed, number) + "".join(line + "\n" for line in recipe))


def generate_cycle(out, pool, template):
    """A root written, not drawn: libg0 and libg1 need each other, and each lacks what it
    binds (libg2 and libg3 are built without gN_data), so which error the loader names first
    is which of the two it relocates first: glibc 2.35's depth-first sort puts libg0 first,
    the older sort libg1 (elf/dl-sort-maps.c)."""
    label = "cycle"
    variant_dir, path = begin_root(out, template, label)
    for i, variant in enumerate(["good", "good", "nodata", "nodata", "good"]):
        target = path + MULTIARCH + "/libg%d.so.1" % i
        shutil.copyfile(os.path.join(pool, variant, "libg%d.so.1" % i), target)
        os.chmod(target, 0o755)
    run("patchelf", "--add-needed", "libg1.so.1", path + MULTIARCH + "/libg0.so.1")
    run("patchelf", "--add-needed", "libg0.so.1", path + MULTIARCH + "/libg1.so.1")
    shutil.copyfile(os.path.join(pool, "prog"), path + "/app/bin/prog")
    os.chmod(path + "/app/bin/prog", 0o755)
    run_ldconfig(path)
    finish_root(out, variant_dir, label, [], "/app/bin/prog",
                "cycle (written): libg0 and libg1 need each other; libg2 and libg3 lack gN_data\n")


# --glibc-root DIR: the loader, libc and ldconfig come from that root (a Debian 11 one for
# glibc 2.31, the OpenFace image's, or a Debian 13 one for 2.41), and the roots go to
# OUTDIR/generated-<DIR's name>
GLIBC_ROOT = None
GLIBC_FILES = ["libc.so.6", "ld-linux-x86-64.so.2", "libdl.so.2", "libm.so.6", "libpthread.so.0"]


def split_usr(template):
    """The template without merged /usr: /lib, /lib64 and /bin directories of their own,
    glibc moved to /lib/x86_64-linux-gnu (Debian's slibdir), the loader's name in /lib64
    leading there; and the two directories /usr no longer shares with them added to where
    copies and path entries go."""
    for link in ["lib", "lib64", "bin"]:
        os.unlink(os.path.join(template, link))
    slibdir = template + "/lib/x86_64-linux-gnu"
    os.makedirs(slibdir)
    os.makedirs(template + "/lib64")
    os.makedirs(template + "/bin")
    for library in GLIBC_FILES:
        os.rename(template + MULTIARCH + "/" + library, slibdir + "/" + library)
    os.unlink(template + "/usr/lib64/ld-linux-x86-64.so.2")
    os.symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", template + "/lib64/ld-linux-x86-64.so.2")
    os.rename(template + "/usr/bin/sh", template + "/bin/sh")
    for directory in ["/lib/x86_64-linux-gnu", "/lib"]:
        DIRECTORIES.append(directory)
        PATH_ENTRIES.append(directory)
        LIBRARY_PATH_ENTRIES.append(directory)


def main():
    global GLIBC_ROOT
    argv = sys.argv[1:]
    if any(a in ("-h", "--help") for a in argv) or any(a.startswith("-") and a not in ("--glibc-root", "--also", "--split-usr") for a in argv):
        # (an option it does not know is no OUTDIR: `--help` made a directory of that name)
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        sys.exit(0 if any(a in ("-h", "--help") for a in argv) else 2)
    if "--glibc-root" in argv:
        k = argv.index("--glibc-root")
        if k + 1 >= len(argv):
            sys.exit("build-generated-roots.py: --glibc-root needs a directory")
        GLIBC_ROOT = os.path.abspath(argv[k + 1])
        del argv[k:k + 2]
    split = "--split-usr" in argv
    argv = [a for a in argv if a != "--split-usr"]
    also = []
    if "--also" in argv:
        # SEED:N,...: roots of other seeds too (those that once showed a fault), named sSEED-N
        k = argv.index("--also")
        if k + 1 >= len(argv):
            sys.exit("build-generated-roots.py: --also needs SEED:N[,SEED:N...]")
        also = [tuple(int(x) for x in pair.split(":")) for pair in argv[k + 1].split(",") if pair]
        del argv[k:k + 2]
    if not 1 <= len(argv) <= 3:
        sys.exit("usage: build-generated-roots.py OUTDIR [COUNT] [SEED] [--glibc-root DIR] [--split-usr] [--also SEED:N,...]")
    count = int(argv[1]) if len(argv) > 1 else 40
    seed = int(argv[2]) if len(argv) > 2 else 1
    name = "generated" if GLIBC_ROOT is None else "generated-" + os.path.basename(GLIBC_ROOT).replace("ofdoctor-", "")
    name += "-split" if split else ""
    out = os.path.join(os.path.abspath(argv[0]), name)
    os.makedirs(out, exist_ok=True)
    inputs = b""
    libc = "/lib/x86_64-linux-gnu/libc.so.6" if GLIBC_ROOT is None else GLIBC_ROOT + "/lib/x86_64-linux-gnu/libc.so.6"
    for name in [os.path.abspath(__file__), os.path.join(HERE, "lib.sh"), os.path.join(HERE, "src", "launch.c"), libc]:
        with open(name, "rb") as f:
            inputs += f.read()
    stamp = "%s %d %d %s%s\n" % (hashlib.sha256(inputs).hexdigest()[:16], count, seed, also, " split" if split else "")
    stamp_file = os.path.join(out, ".stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        return
    for name in os.listdir(out):
        shutil.rmtree(os.path.join(out, name), ignore_errors=True) if not name.startswith(".stamp") else None
    pool = os.path.join(out, ".pool")
    build_pool(pool)
    template = os.path.join(out, ".template")
    sh('mkroot "$1"; LAUNCH_BIN="$2" launcher "$1"; mkdir -p "$1/app/bin" "$1/app/lib"', template, os.path.join(pool, "launch"))
    if GLIBC_ROOT is not None:
        for library in GLIBC_FILES:
            target = template + MULTIARCH + "/" + library
            os.unlink(target)
            shutil.copyfile(GLIBC_ROOT + "/lib/x86_64-linux-gnu/" + library, target)
            os.chmod(target, 0o755)
        os.makedirs(template + "/usr/sbin")
        os.symlink("usr/sbin", template + "/sbin")
        shutil.copyfile(GLIBC_ROOT + "/sbin/ldconfig", template + "/usr/sbin/ldconfig")
        os.chmod(template + "/usr/sbin/ldconfig", 0o755)
    if split:
        split_usr(template)
    for number in range(count):
        generate(out, pool, template, number, seed)
    for other, number in also:
        generate(out, pool, template, number, other, label="s%d-%03d" % (other, number))
    generate_cycle(out, pool, template)
    with open(stamp_file, "w") as f:
        f.write(stamp)


if __name__ == "__main__":
    main()
