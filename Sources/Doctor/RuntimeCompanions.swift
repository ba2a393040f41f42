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
        let count = bytes.count
        var i = 0
        // Scan for "lib" at a string start (after a NUL), then the rest up to the next NUL.
        while i + 6 < count {
            if bytes[i] == 0x6c, bytes[i + 1] == 0x69, bytes[i + 2] == 0x62, i == 0 || bytes[i - 1] == 0 {
                var end = i + 3
                while end < count, end - i < 128, isNameByte(bytes[end]) { end += 1 }
                if end < count, bytes[end] == 0 {
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self)
                    if looksLikeSoname(text) { result.insert(text) }
                }
                i = end
            } else {
                i += 1
            }
        }
        return result
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f || b == 0x2e || b == 0x2d || b == 0x2b
    }

    static func looksLikeSoname(_ text: String) -> Bool {
        guard let range = text.firstRange(of: ".so") else { return false }
        let rest = text[range.upperBound...]
        return rest.isEmpty || (rest.hasPrefix(".") && rest.dropFirst().allSatisfy { $0.isNumber || $0 == "." })
    }
}
