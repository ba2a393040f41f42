#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ELFInspect
import RootFS

/// Libraries an object opens itself with `dlopen` at run time, which no loader, `ldd` or
/// libtree sees. Intel MKL is the case that matters: `libmkl_rt.so.2` calls `dladdr` on
/// itself to learn the path it was loaded from and opens `libmkl_core.so.2`, a threading
/// layer and CPU kernels as `that directory + name`; so a symlink to `libmkl_rt.so.2` alone
/// starts the program and fails its first BLAS call. The names are the `lib….so[.N]`
/// strings in the object's read-only data that name files beside it.
public enum RuntimeCompanions {
    /// `name` in `directory` and every library it names, transitively, that exists in `directory`.
    public static func family(of name: String, in directory: String, root: RootView) -> [String] {
        var family: [String] = []
        var queue = [name]
        var seen = Set<String>()
        let present = Set((try? root.names(in: RootPath(directory))) ?? [])
        while let next = queue.popLast() {
            guard seen.insert(next).inserted, present.contains(next) else { continue }
            family.append(next)
            guard let bytes = try? root.contents(of: RootPath(directory + "/" + next)) else { continue }
            for candidate in libraryNames(in: bytes.buffer) where present.contains(candidate) && !seen.contains(candidate) {
                queue.append(candidate)
            }
        }
        return family.sorted()
    }

    /// Whether the object both opens libraries and asks where it was loaded from: the
    /// mark of a library that opens companions beside its own load path.
    public static func opensBesideItself(_ elf: ELFFile) -> Bool {
        let wanted: Set<String> = ["dlopen", "dladdr", "dladdr1", "dlinfo"]
        var imports = Set<String>()
        for symbol in elf.symbols where !symbol.isDefined && wanted.contains(symbol.name) { imports.insert(symbol.name) }
        return imports.contains("dlopen") && (imports.contains("dladdr") || imports.contains("dladdr1") || imports.contains("dlinfo"))
    }

    /// NUL-terminated strings of the form `lib<name>.so[.<digits>…]` anywhere in `bytes`.
    public static func libraryNames(in bytes: UnsafeRawBufferPointer) -> Set<String> {
        var result = Set<String>()
        guard let base = bytes.baseAddress else { return result }
        let count = bytes.count
        var i = 0
        // memchr to each "l", then "lib" at a string start (after a NUL) and the rest up to
        // the next NUL: a library is megabytes, and a loop over every byte cost more than
        // the rest of the check.
        while i + 6 < count {
            guard let hit = memchr(base + i, 0x6c, count - 6 - i) else { break }
            i = base.distance(to: UnsafeRawPointer(hit))
            guard bytes[i + 1] == 0x69, bytes[i + 2] == 0x62, i == 0 || bytes[i - 1] == 0 else {
                i += 1
                continue
            }
            var end = i + 3
            while end < count, end - i < 128, isNameByte(bytes[end]) { end += 1 }
            if end < count, bytes[end] == 0 {
                let name = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
                if looksLikeSoname(name) { result.insert(String(decoding: name, as: UTF8.self)) }
            }
            i = end
        }
        return result
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f || b == 0x2e || b == 0x2d || b == 0x2b
    }

    static func looksLikeSoname(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes(looksLikeSoname)
    }

    /// `….so`, or `….so.` followed by digits and dots only (the first ".so" decides).
    static func looksLikeSoname(_ name: UnsafeRawBufferPointer) -> Bool {
        let dot = UInt8(ascii: "."), s = UInt8(ascii: "s"), o = UInt8(ascii: "o")
        guard name.count >= 3 else { return false }
        var at = 0
        while at + 3 <= name.count, !(name[at] == dot && name[at + 1] == s && name[at + 2] == o) { at += 1 }
        guard at + 3 <= name.count else { return false }
        let rest = name[(at + 3)...]
        guard let first = rest.first else { return true }
        return first == dot && rest.dropFirst().allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == dot }
    }
}
