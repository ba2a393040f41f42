import ELFImageBuilder
import InMemoryRoot
@testable import Doctor
@testable import LoaderModel
import OpenFace
import RootFS

/// A Debian-like root in memory, the smallest that starts a program: the loader at
/// `/lib64/ld-linux-x86-64.so.2` (a link into the multiarch directory, as Debian has it),
/// `libc.so.6` defining a few symbols at their glibc versions, `/etc/ld.so.conf` including
/// `ld.so.conf.d/*.conf`, and a program at `/app/bin/prog` that needs libc. Each test adds
/// or changes the one thing its rule is about. No `ld.so.cache` unless a test makes one.
struct MiniDebianRoot {
    var files = MemoryRoot(label: "mini-debian")
    var cache: LdSoCache?
    var platform = LoaderPlatform(glibc: GlibcVersion(2, 36), glibcHWCaps: [], legacySubdirectories: [])

    static let program = "/app/bin/prog"
    static let multiarch = "/usr/lib/x86_64-linux-gnu"
    static let libc = "/lib/x86_64-linux-gnu/libc.so.6"

    /// The C library: `puts`, `dlopen` and `dladdr` at the versions glibc gives them.
    static var libcImage: ELFImage {
        var libc = ELFImage.library("libc.so.6", needed: ["ld-linux-x86-64.so.2"])
        libc.definitions = [
            ELFImage.Definition("puts", version: "GLIBC_2.2.5"),
            ELFImage.Definition("dlopen", version: "GLIBC_2.34"),
            ELFImage.Definition("dladdr", version: "GLIBC_2.2.5"),
        ]
        return libc
    }

    /// A program needing `libs` (libc last), calling `puts` and importing `imports`.
    static func programImage(needing libs: [String] = [], importing imports: [ELFImage.Import] = []) -> ELFImage {
        var program = ELFImage.program(needed: libs + ["libc.so.6"])
        program.imports = [ELFImage.Import("puts", version: ("libc.so.6", "GLIBC_2.2.5"))] + imports
        return program
    }

    /// A shared object named `soname` defining `symbol` at `version`.
    static func libraryImage(_ soname: String, defining symbol: String, at version: String?) -> ELFImage {
        var image = ELFImage.library(soname)
        image.definitions = [ELFImage.Definition(symbol, version: version)]
        return image
    }

    init() {
        files.file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", ELFImage.library("ld-linux-x86-64.so.2").bytes(), mode: 0o755)
        files.symlink(ELFImage.interpreterPath, to: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        files.file(Self.libc, Self.libcImage.bytes())
        files.directory(Self.multiarch)
        files.directory("/usr/lib")
        files.file("/etc/ld.so.conf", text: "include /etc/ld.so.conf.d/*.conf\n")
        files.directory("/etc/ld.so.conf.d")
        program(Self.programImage())
    }

    /// Writes `image` at `path` (an executable file).
    mutating func program(_ image: ELFImage, at path: String = program) {
        files.file(path, image.bytes(), mode: 0o755)
    }

    /// Writes a shared object at `path`.
    mutating func library(_ path: String, _ image: ELFImage) {
        files.file(path, image.bytes())
    }

    /// A plain shared object named `soname` at `directory/soname`, defining `symbols`.
    mutating func library(_ soname: String, in directory: String, defining symbols: [String] = [], needed: [String] = []) {
        var image = ELFImage.library(soname, needed: needed)
        image.definitions = symbols.map { ELFImage.Definition($0) }
        library(directory + "/" + soname, image)
    }

    /// `/etc/ld.so.cache` as ldconfig would write it for the root as it is now.
    mutating func runLdconfig() {
        cache = LdconfigModel(root: RootView(files), glibc: platform.glibc).cache
    }

    var system: TargetSystem {
        TargetSystem(root: RootView(files), platform: platform, cache: cache, glibcSource: "glibc 2.36 (test)")
    }

    func location(_ path: String = program, argv0: String? = nil) -> ProgramLocation {
        ProgramLocation(path: RootPath(path), argv0: argv0 ?? path, viaPATH: false)
    }

    /// The application rules the CLI hands the doctor (OpenFace's): what the rule tests judge.
    static let rules: [any ApplicationRules] = [OpenFaceRules()]

    /// The loader model's look at the program: load graph, symbol check, findings.
    func diagnose(_ variables: [String: String] = [:], program path: String = program,
                  workingDirectory: String = "/", rules: [any ApplicationRules] = Self.rules) throws -> Diagnosis {
        try Diagnosis(system: system, program: location(path),
                      environment: LoaderEnvironment(variables, workingDirectory: workingDirectory), rules: rules)
    }

    /// The findings with `id`.
    func findings(_ id: FindingID, _ variables: [String: String] = [:], program path: String = program) throws -> [Finding] {
        try diagnose(variables, program: path).findings.filter { $0.id == id }
    }

    func resolve(_ variables: [String: String] = [:], program path: String = program,
                 originFromTypedPath: Bool = false) throws -> LoadGraph {
        try system.resolver(environment: LoaderEnvironment(variables), originFromTypedPath: originFromTypedPath)
            .resolve(program: RootPath(path))
    }
}

extension LoadGraph {
    /// The loaded object whose path (as the loader built it) is `path`.
    func object(_ path: String) -> LoadedObject? { objects.first { $0.path == path } }
    /// The loaded object answering to `name` (a load name or soname).
    func object(named name: String) -> LoadedObject? { objects.first { $0.names.contains(name) || $0.soname == name } }
}
