import ELFImageBuilder
import Foundation

/// Small ELF files built with gcc once per test process: 64- and 32-bit shared objects
/// and executables with version definitions and needs, RPATH/RUNPATH, BIND_NOW, SysV and
/// GNU hash tables, a hidden version, a weak need, protected and TLS symbols, a library
/// built for indirect extern access, plus
/// big-endian copies made by `ByteSwapper`.
struct Fixtures: Sendable {
    let directory: String
    /// Little-endian files, 64- and 32-bit.
    let native: [String]
    /// Big-endian copies of `native`.
    let bigEndian: [String]
    var all: [String] { native + bigEndian }

    static let gcc = "/usr/bin/gcc"

    /// nil when gcc (with -m32 support) is missing; the reason is in `failure`.
    static let built: Result<Fixtures, FixtureError> = build()

    struct FixtureError: Error, CustomStringConvertible, Sendable { let description: String }

    static var isAvailable: Bool { if case .success = built { return true } else { return false } }

    static func get() throws -> Fixtures { try built.get() }

    private static let dependency = """
        int dep_data = 7;
        __thread int dep_tls;
        int dep_new(int x) { return x + 1; }
        int dep_old_impl(int x) { return x; }
        __asm__(".symver dep_old_impl,dep_old@DEP_1.0");
        __attribute__((weak)) int dep_weak(void) { return 2; }
        __attribute__((visibility("protected"))) int dep_protected(void) { return 3; }
        int dep_optional(void) { return 4; }
        int unversioned_in_versioned_file;
        """
    private static let versionScript = """
        DEP_1.0 { global: dep_old; dep_data; local: *; };
        DEP_2.0 { global: dep_new; dep_weak; dep_protected; dep_tls; } DEP_1.0;
        DEP_3.0 { global: dep_optional; } DEP_2.0;
        """
    private static let program = """
        extern int dep_data; extern int dep_new(int);
        extern int dep_weak(void) __attribute__((weak));
        extern int dep_optional(void) __attribute__((weak));
        int main_entry(void) { return dep_new(dep_data) + (dep_weak ? dep_weak() : 0) + (dep_optional ? dep_optional() : 0); }
        void _start(void) { for (;;) main_entry(); }
        """

    private static func build() -> Result<Fixtures, FixtureError> {
        guard FileManager.default.isExecutableFile(atPath: gcc) else { return .failure(.init(description: "no gcc")) }
        let tmp = NSTemporaryDirectory()
        let dir = tmp + "elfinspect-fixtures-\(getpid())"
        // Remove what earlier test processes left behind (their pid is gone).
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("elfinspect-fixtures-") {
            if let pid = Int32(name.dropFirst("elfinspect-fixtures-".count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: tmp + name)
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try dependency.write(toFile: dir + "/dep.c", atomically: true, encoding: .utf8)
            try versionScript.write(toFile: dir + "/dep.map", atomically: true, encoding: .utf8)
            try program.write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
            var native: [String] = []
            // Tiny pages keep the files small (they also seed the fuzzer's corpus).
            let small = ["-Wl,--build-id=none", "-Wl,-z,max-page-size=0x10", "-Wl,-z,common-page-size=0x10", "-Wl,-z,noseparate-code"]
            for bits in ["64", "32"] {
                let dep = "\(dir)/libdep\(bits).so"
                try compile(["-m\(bits)", "-nostdlib", "-shared", "-fPIC", "-Wl,-soname,libdep.so.1",
                             "-Wl,--version-script=\(dir)/dep.map", "-Wl,--hash-style=both", "-o", dep, "\(dir)/dep.c"] + small)
                let lib = "\(dir)/libmain\(bits).so"
                try compile(["-m\(bits)", "-nostdlib", "-shared", "-fPIC", "-Wl,-soname,libmain.so",
                             "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/lib:/opt/a", "-Wl,--hash-style=sysv",
                             "-Wl,-F,libfiltee.so.1", "-Wl,-f,libaux.so.1",
                             "-o", lib, "\(dir)/main.c", dep] + small)
                let exe = "\(dir)/main\(bits)"
                try compile(["-m\(bits)", "-nostdlib", "-fPIE", "-pie", "-Wl,-z,now", "-Wl,-rpath,/opt/x",
                             "-Wl,--hash-style=gnu", "-Wl,--dynamic-linker=/lib/ld-test.so.1", "-o", exe,
                             "\(dir)/main.c", dep] + small)
                let fixed = "\(dir)/exec\(bits)"
                try compile(["-m\(bits)", "-nostdlib", "-no-pie", "-Wl,-z,now", "-Wl,--hash-style=both",
                             "-o", fixed, "\(dir)/main.c", dep] + small)
                let object = "\(dir)/object\(bits).o"
                try compile(["-m\(bits)", "-c", "-fPIC", "-o", object, "\(dir)/dep.c"])
                native += [dep, lib, exe, fixed, object]
            }
            // Built with -mno-direct-extern-access: its property note sets
            // GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS (protected symbols refuse direct references).
            let indirect = "\(dir)/libindirect64.so"
            try compile(["-m64", "-nostdlib", "-shared", "-fPIC", "-mno-direct-extern-access", "-Wl,-soname,libindirect.so.1",
                         "-Wl,--version-script=\(dir)/dep.map",
                         "-o", indirect, "\(dir)/dep.c"] + small)
            native.append(indirect)
            // ld never marks a need weak for these inputs; patch vna_flags of DEP_3.0 in a copy
            // (the Vernaux after its vna_hash) so readelf shows "Flags: WEAK".
            var weak = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/libmain64.so")))
            let hash = ELFHash.sysv("DEP_3.0")
            let needle = (0..<4).map { UInt8(truncatingIfNeeded: hash >> (8 * $0)) } + [0, 0]
            guard let at = (0..<(weak.count - 6)).first(where: { Array(weak[$0..<$0 + 6]) == needle }) else {
                return .failure(.init(description: "no Vernaux for DEP_3.0 in libmain64.so"))
            }
            weak[at + 4] = 2 // VER_FLG_WEAK
            try Data(weak).write(to: URL(fileURLWithPath: "\(dir)/libmain64-weak.so"))
            native.append("\(dir)/libmain64-weak.so")
            // A static executable (no PT_DYNAMIC); skipped where libc.a is missing.
            try "int main(void) { return 0; }\n".write(toFile: dir + "/static.c", atomically: true, encoding: .utf8)
            if (try? compile(["-static", "-o", "\(dir)/static64", "\(dir)/static.c"])) != nil {
                native.append("\(dir)/static64")
            }
            var swapped: [String] = []
            for file in native {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
                let be = try ByteSwapper.bigEndian(bytes)
                let out = file + ".be"
                try Data(be).write(to: URL(fileURLWithPath: out))
                swapped.append(out)
            }
            return .success(Fixtures(directory: dir, native: native, bigEndian: swapped))
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(.init(description: "\(error)"))
        }
    }

    private static func compile(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gcc)
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(description: "gcc \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}
