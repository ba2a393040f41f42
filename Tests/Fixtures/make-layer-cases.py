#!/usr/bin/env python3
"""Small `docker save` archives whose layers only some unpacks take: members below a file,
a link loop or a dangling link, whiteouts and opaque markers there, names and hard links
that climb above the root, hard links to nothing, an unknown tar type. The tests load each
into a real Docker daemon and compare what it does (refuse, or the files a container
gets) with what `ofdoctor --image` reads.

  make-layer-cases.py make DIR        writes DIR/CASE.tar for every case, prints the names
  make-layer-cases.py list FILE.tar   prints the files of a tar (`docker export`), one a
                                      line: `d PATH`, `l PATH -> TARGET`, `f PATH TEXT`
                                      (a hard link as the file it names), sorted
"""
import hashlib
import io
import json
import os
import sys
import tarfile

# Kinds: f = file (text), d = directory, l = symlink (target), h = hard link (target),
# t = a member of that tar type byte (text).
NON_DIRECTORIES = [("f", "f", "x"), ("l", "lf", "/f"), ("l", "a", "b"), ("l", "b", "a"), ("l", "self", "self"),
                   ("l", "none", "/nonexistent"), ("d", "d", ""), ("l", "half", "d/missing")]

CASES = {
    "under-file": [[("f", "f", "x")], [("f", "f/g", "y")]],
    "under-file-same-layer": [[("f", "f", "x"), ("f", "f/g", "y")]],
    "under-link-to-file": [NON_DIRECTORIES, [("f", "lf/g", "y")]],
    "directory-under-file": [[("f", "f", "x")], [("d", "f/d", "")]],
    "whiteout-under-file": [[("f", "f", "x")], [("f", "f/.wh.x", "")]],
    "aufs-marker-under-file": [[("f", "f", "x")], [("f", "f/.wh..wh.plnk", "")]],
    "opaque-below-file": [[("f", "f", "x")], [("f", "f/sub/.wh..wh..opq", "")]],
    "under-loop": [NON_DIRECTORIES, [("f", "a/file", "y")]],
    "whiteout-under-loop": [NON_DIRECTORIES, [("f", "self/.wh.x", "")]],
    "under-dangling-link": [NON_DIRECTORIES, [("f", "none/x", "y")]],
    "under-half-dangling-link": [NON_DIRECTORIES, [("f", "half/x", "y")]],
    "whiteout-below-dangling-link": [NON_DIRECTORIES, [("f", "none/sub/.wh.x", "")]],
    "markers-right-under": [NON_DIRECTORIES, [("f", "f/.wh..wh..opq", ""), ("f", "a/.wh..wh..opq", ""),
                                              ("f", "lf/.wh..wh..opq", ""), ("f", "none/.wh..wh..opq", ""),
                                              ("f", "none/.wh.x", ""), ("f", "half/.wh.x", "")]],
    "climbing": [[("f", "etc/shadow", "s"), ("d", "opt", "")],
                 [("f", "opt/../../escape", "e"), ("f", "../x", "x"), ("h", "h1", "../../etc/shadow"),
                  ("h", "h2", "/../etc/shadow")]],
    "hard-link-to-nothing": [[("h", "h", "missing")]],
    "hard-link-to-itself": [[("h", "h", "h")]],
    "hard-link-to-directory": [[("d", "d", ""), ("h", "h", "d")]],
    "unknown-type": [[("f", "a", "x"), ("t", "v", "V")]],
    "through-links": [[("d", "real", ""), ("l", "up", "real"), ("l", "abs", "/real/"), ("f", "up/one", "1"),
                       ("f", "abs/two", "2"), ("f", "up/new/three", "3")]],
}


def layer(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, argument in members:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode = 0, 0o644
            data = b""
            if kind == "f":
                data = argument.encode()
            elif kind == "d":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "l":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, argument, 0o777
            elif kind == "h":
                info.type, info.linkname = tarfile.LNKTYPE, argument
            elif kind == "t":
                info.type = argument.encode()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def write_image(path, name, layers):
    blobs = [layer(members) for members in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]},
                         "history": [{"created_by": "layer %d" % i} for i in range(len(blobs))]}).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        def add(member, data):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        names = []
        for index, blob in enumerate(blobs):
            names.append("layer%d/layer.tar" % index)
            add(names[-1], blob)
        add("config.json", config)
        add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["ofdoctor-case/%s:1" % name],
                                          "Layers": names}]).encode())


def rooted(name):
    name = os.path.normpath(name)
    return "/" if name == "." else "/" + name.lstrip("/")


def listing(path):
    lines, contents = [], {}
    with tarfile.open(path) as tar:
        for member in tar:
            name = rooted(member.name)
            if member.isdir():
                lines.append("d " + name)
            elif member.issym():
                lines.append("l %s -> %s" % (name, member.linkname))
            elif member.islnk():
                target = rooted(member.linkname)
                lines.append("f %s %s" % (name, contents.get(target, "?")))
            elif member.isreg():
                contents[name] = tar.extractfile(member).read().decode(errors="replace")
                lines.append("f %s %s" % (name, contents[name]))
            else:
                lines.append("o " + name)
    return sorted(lines)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "list"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "make":
        os.makedirs(sys.argv[2], exist_ok=True)
        for name, layers in CASES.items():
            write_image(os.path.join(sys.argv[2], name + ".tar"), name, layers)
            print(name)
    else:
        print("\n".join(listing(sys.argv[2])))


if __name__ == "__main__":
    main()
