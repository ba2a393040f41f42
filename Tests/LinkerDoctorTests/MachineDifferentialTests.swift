import ELFInspect
import Foundation
import LoaderModel
import RootFS
import Testing

/// The resolver against this machine's own loader: for ELF files of /usr/bin, /usr/sbin,
/// /usr/lib/x86_64-linux-gnu and /opt/swift, the files `ld.so --list` loads, in its order,
/// must be the files the model predicts. `make test` runs a sample; `make differential`
/// (OFDOCTOR_DIFFERENTIAL=full) runs every file.
@Suite("Resolver agrees with ld.so --list on this machine")
struct MachineDifferentialTests {
    static let interpreter = "/lib64/ld-linux-x86-64.so.2"
    static let full = ProcessInfo.processInfo.environment["OFDOCTOR_DIFFERENTIAL"] == "full"

    /// Programs and libraries compared in `make test` (every one with OFDOCTOR_DIFFERENTIAL=full).
    static let sampleSize = 60

    /// Dynamically linked ELF files (64-bit x86-64), sorted; a sample unless full.
    static func programs() -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for dir in ["/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"] {
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] { files.append(dir + "/" + name) }
        }
        if let walker = fm.enumerator(atPath: "/opt/swift") {
            while let rel = walker.nextObject() as? String {
                if rel.hasSuffix(".so") || rel.contains("/bin/") { files.append("/opt/swift/" + rel) }
            }
        }
        let elf = files.sorted().filter(isDynamicELF)
        if full { return elf }
        return MachineSample.evenly(elf, count: sampleSize)
    }

    static func isDynamicELF(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 64 else { return false }
        guard let elf = try? ELFFileProbe.open(path) else { return false }
        return elf
    }

    /// What `ld.so --list` printed: the loaded paths in order (vdso left out), or the
    /// name of the library it stopped at.
    struct Listing: Equatable {
        var paths: [String]
        var stoppedAt: String?
    }

    static func loaderList(_ path: String, environment: [String: String]) -> Listing? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = ["--list", path]
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let errText = String(decoding: errData, as: UTF8.self)
        if process.terminationStatus != 0 {
            // "PROG: error while loading shared libraries: NAME: cannot open shared object file…",
            // compared whole: the name and the errno the loader's search left
            guard let range = errText.range(of: "error while loading shared libraries: ") else { return nil }
            let rest = errText[range.upperBound...]
            return Listing(paths: [], stoppedAt: rest.split(separator: "\n").first.map(String.init))
        }
        return Listing(paths: listedPaths(text), stoppedAt: nil)
    }

    /// The loaded paths of an `ld.so --list` listing, in order (vdso left out).
    static func listedPaths(_ text: String) -> [String] {
        var paths: [String] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("linux-vdso") || trimmed.hasPrefix("statically linked") { continue }
            var entry = trimmed
            if let arrow = entry.range(of: " => ") { entry = String(entry[arrow.upperBound...]) }
            if let paren = entry.range(of: " (0x") { entry = String(entry[..<paren.lowerBound]) }
            paths.append(entry)
        }
        return paths
    }

    /// - Parameter message: where the loader stops, as its whole message (else the name).
    static func predicted(_ path: String, system: TargetSystem, environment: [String: String], message: Bool = false) throws -> Listing {
        let graph = try system.resolver(environment: LoaderEnvironment(environment), originFromTypedPath: true)
            .resolve(program: RootPath(path))
        if let first = graph.missing.first { return Listing(paths: [], stoppedAt: message ? "\(first.loaderName): \(first.reason)" : first.name) }
        return Listing(paths: graph.objects.dropFirst().map(\.path), stoppedAt: nil)
    }

    /// Read through `CachedRoot`, as the commands read a local root (the rule-root
    /// differential compares the plain `LocalRoot` too).
    static let system: TargetSystem? = {
        guard let root = try? LocalRoot(directory: "/") else { return nil }
        let cpu = CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        return TargetSystem.inspect(root: RootView(CachedRoot(root)), cpu: cpu)
    }()

    static let environments: [[String: String]] = [
        [:],
        ["LD_LIBRARY_PATH": "/opt/swift/usr/lib/swift/linux:/usr/lib/x86_64-linux-gnu/libfakeroot:/usr/lib/x86_64-linux-gnu/samba"],
    ]

    @Test("every sampled program resolves to exactly the files ld.so --list names, in its order",
          .enabled(if: FileManager.default.isExecutableFile(atPath: interpreter), "needs this machine's x86-64 ld.so"))
    func agreesWithLoader() throws {
        let system = try #require(Self.system)
        let programs = Self.programs()
        #expect(programs.count >= (Self.full ? 1000 : Self.sampleSize), "the corpus scripts/deps.sh installs has fewer ELF files than the sample")
        var compared = 0
        var disagreements: [String] = []
        for environment in Self.environments {
            for program in programs {
                guard let truth = Self.loaderList(program, environment: environment) else { continue }
                let model = try Self.predicted(program, system: system, environment: environment, message: true)
                compared += 1
                if model != truth {
                    disagreements.append("\(program) \(environment): ld.so \(truth) vs model \(model)")
                }
            }
        }
        print("machine differential: \(programs.count) files sampled, \(compared) resolutions compared (\(Self.environments.count) environments), \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10).joined(separator: "\n"))")
        #expect(compared >= MachineSample.floor(of: programs.count * Self.environments.count), "ld.so --list traced too few of the sampled files")
    }
}

/// Cheap check that a file is a dynamically linked x86-64 ELF (has `PT_DYNAMIC`).
enum ELFFileProbe {
    static func open(_ path: String) throws -> Bool {
        let file = try ELFFile(path: path)
        return file.header.machine == 62 && file.header.fileClass == .elf64 && file.dynamic != nil
    }
}
