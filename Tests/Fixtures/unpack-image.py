#!/usr/bin/env python3
"""The tests' own image reader, independent of ofdoctor: checks an image against the
image-spec and unpacks it layer by layer into a root, as a container runtime would.

  unpack-image.py IMAGE [DEST]

IMAGE is a `docker save` archive (gzip'd or not) or an OCI image layout (a tar, gzip'd or
not, or a directory). Checked: manifest.json (Config, Layers, RepoTags) and, when there,
index.json -> manifest (blob digests and sizes); the config's digest; every layer's
diff_id = sha256 of the uncompressed layer, in order, as many as rootfs.diff_ids; history
entries without empty_layer as many as the layers. With DEST, the layers are applied in
order, each as containerd's applyNaive applies it: member by member in tar order, names
cleaned (`..` above the root stays at the root, as docker 20.10 loads it), parents resolved
inside DEST and made when missing; a whiteout (.wh.NAME) removes what is there when it is met, an opaque marker
(.wh..wh..opq) what its directory held that this layer did not write; any other member
replaces what is at its path unless both are directories (modes and numeric owners kept).

Prints one JSON object: format, env, diff_ids, history, tags. Exits 1 naming the first
violation.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import sys
import tarfile


def fail(message):
    print("unpack-image: " + message, file=sys.stderr)
    sys.exit(1)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def uncompressed(data):
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


class Files:
    """The image's members: from a (gzip'd) tar or a layout directory."""

    def __init__(self, path):
        self.directory = path if os.path.isdir(path) else None
        self.gzip = False
        if self.directory is None:
            raw = open(path, "rb").read()
            self.gzip = raw[:2] == b"\x1f\x8b"
            self.tar = tarfile.open(fileobj=io.BytesIO(uncompressed(raw)))
            self.names = {os.path.normpath(m.name): m for m in self.tar.getmembers()}

    def has(self, name):
        if self.directory is not None:
            return os.path.isfile(os.path.join(self.directory, name))
        return os.path.normpath(name) in self.names

    def read(self, name):
        if self.directory is not None:
            return open(os.path.join(self.directory, name), "rb").read()
        member = self.names.get(os.path.normpath(name))
        if member is None:
            fail(f"{name} is named but not in the archive")
        return self.tar.extractfile(member).read()


def blob(files, descriptor, what):
    algorithm, hexdigest = descriptor["digest"].split(":", 1)
    data = files.read(f"blobs/{algorithm}/{hexdigest}")
    if sha256(data) != descriptor["digest"]:
        fail(f"{what}: blob does not hash to {descriptor['digest']}")
    if "size" in descriptor and descriptor["size"] != len(data):
        fail(f"{what}: size {descriptor['size']} in its descriptor, {len(data)} in the blob")
    return data


def read_image(files):
    """(format, config bytes, [layer bytes], tags) after checking the documents."""
    docker = oci = None
    if files.has("manifest.json"):
        entries = json.loads(files.read("manifest.json"))
        if not entries or "Config" not in entries[0] or "Layers" not in entries[0]:
            fail("manifest.json: no image with Config and Layers")
        entry = entries[0]
        docker = (files.read(entry["Config"]), [files.read(n) for n in entry["Layers"]], entry.get("RepoTags") or [])
        if entry["Config"].startswith("blobs/sha256/") and sha256(docker[0]) != "sha256:" + entry["Config"].split("/")[-1]:
            fail("manifest.json: the config blob does not hash to its name")
    if files.has("index.json"):
        document = json.loads(files.read("index.json"))
        tags = [d.get("annotations", {}).get("org.opencontainers.image.ref.name") for d in document.get("manifests", [])]
        for _ in range(5):
            if "manifests" not in document:
                break
            chosen = next((d for d in document["manifests"] if d.get("platform", {}).get("os") == "linux"
                           and d.get("platform", {}).get("architecture") == "amd64"), document["manifests"][0])
            document = json.loads(blob(files, chosen, "index entry"))
        config = blob(files, document["config"], "config")
        layers = [blob(files, d, f"layer {i}") for i, d in enumerate(document["layers"])]
        oci = (config, layers, [t for t in tags if t])
    if docker and oci:
        if docker[0] != oci[0] or [uncompressed(l) for l in docker[1]] != [uncompressed(l) for l in oci[1]]:
            fail("manifest.json and index.json describe different images")
        return "docker+oci", docker[0], docker[1], docker[2]
    if docker:
        return "docker", docker[0], docker[1], docker[2]
    if oci:
        return "oci", oci[0], oci[1], oci[2]
    fail("neither manifest.json nor index.json")


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def inside(dest, relative):
    """The real path of `relative` in dest, every component a symlink followed inside dest as
    a chrooted unpack follows it (containerd's fs.RootPath): `..` and `/` stop at dest."""
    pending = [part for part in relative.split("/") if part not in ("", ".")]
    resolved, followed = [], 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            resolved = resolved[:-1]
            continue
        candidate = os.path.join(dest, *resolved, part)
        if os.path.islink(candidate):
            followed += 1
            if followed > 40:
                fail(f"{relative}: too many levels of symbolic links")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            pending = [p for p in target.split("/") if p not in ("", ".")] + pending
            continue
        resolved.append(part)
    return os.path.join(dest, *resolved)


def cleaned(name):
    """filepath.Clean's relative form of a member name or hard-link target; `..` above the
    root stays at the root (the unpack runs chrooted to it)."""
    name = os.path.normpath("/" + name)
    return name.lstrip("/")


def hide_lower(directory, unpacked):
    """The opaque marker: what `directory` holds that this layer did not write (nor write
    below) goes."""
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if path in unpacked or any(u.startswith(path + "/") for u in unpacked):
            if os.path.isdir(path) and not os.path.islink(path):
                hide_lower(path, unpacked)
        else:
            remove(path)


def apply_layer(data, dest):
    layer = tarfile.open(fileobj=io.BytesIO(data))
    unpacked = set()
    for member in layer:
        name = cleaned(member.name)
        if not name:
            continue
        head, tail = os.path.split(name)
        parent = inside(dest, head)
        os.makedirs(parent, exist_ok=True)
        path = os.path.join(parent, tail)
        if tail == ".wh..wh..opq":
            hide_lower(parent, unpacked)
            continue
        if tail.startswith(".wh."):
            if not tail.startswith(".wh..wh.") and tail[4:] not in ("", ".", ".."):
                remove(os.path.join(parent, tail[4:]))
            continue
        if os.path.lexists(path) and not (member.isdir() and os.path.isdir(path) and not os.path.islink(path)):
            remove(path)
        if member.isdir():
            if not os.path.isdir(path):
                os.mkdir(path)
        elif member.issym():
            os.symlink(member.linkname, path)
        elif member.islnk():
            link_head, link_tail = os.path.split(cleaned(member.linkname))
            os.link(os.path.join(inside(dest, link_head), link_tail), path, follow_symlinks=False)
        elif member.isfifo():
            os.mkfifo(path)
        elif member.ischr() or member.isblk():
            kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK
            os.mknod(path, kind | 0o600, os.makedev(member.devmajor, member.devminor))
        elif member.isreg():
            with open(path, "wb") as handle:
                handle.write(layer.extractfile(member).read())
        else:
            fail(f"{member.name}: tar member type {member.type!r} is not unpacked")
        if not member.islnk():
            os.lchown(path, member.uid, member.gid)
            if not member.issym():
                os.chmod(path, member.mode)   # after chown, which clears set-ID bits
            os.utime(path, (member.mtime, member.mtime), follow_symlinks=False)
        unpacked.add(path)


def main():
    if len(sys.argv) not in (2, 3):
        fail("usage: unpack-image.py IMAGE [DEST]")
    files = Files(sys.argv[1])
    kind, config_bytes, layers, tags = read_image(files)
    config = json.loads(config_bytes)
    diff_ids = [sha256(uncompressed(layer)) for layer in layers]
    if config.get("rootfs", {}).get("diff_ids") != diff_ids:
        fail(f"rootfs.diff_ids {config.get('rootfs', {}).get('diff_ids')} are not the layers' {diff_ids}")
    history = config.get("history", [])
    if history and len([h for h in history if not h.get("empty_layer")]) != len(layers):
        fail(f"{len(history)} history entries for {len(layers)} layers")
    if len(sys.argv) == 3:
        os.makedirs(sys.argv[2], exist_ok=True)
        for layer in layers:
            apply_layer(uncompressed(layer), sys.argv[2])
    print(json.dumps({"format": kind, "gzip": files.gzip, "env": config.get("config", {}).get("Env", []),
                      "diff_ids": diff_ids, "history": history, "tags": tags}))


if __name__ == "__main__":
    main()
