import ELFInspect
import Foundation
import LoaderModel
import LoaderTrace
import RootFS
import Testing

/// The symbol check against `ldd -r` (the loader in trace mode with BIND_NOW): for shared
/// libraries of /usr/lib/x86_64-linux-gnu and programs of /usr/bin, the unresolved symbols
/// (with versions) and the missing versions must be exactly those ldd -r prints. A sample in `make test`; every
/// library with OFDOCTOR_DIFFERENTIAL=full (`make differential`).
@Suite("Symbol check agrees with ldd -r on this machine")
struct SymbolDifferentialTests {
    struct Report: Equatable, CustomStringConvertible {
        var undefined: Set<String> = []   // "REQ|symbol|version"
        var missingVersions: Set<String> = []   // "FILE|version|REQ"
        var description: String {
            "undefined \(undefined.sorted().prefix(6)) (\(undefined.count)); versions \(missingVersions.sorted().prefix(4))"
        }
    }

    /// Libraries compared in `make test` (every one with OFDOCTOR_DIFFERENTIAL=full).
    static let sampleSize = 60

    static func libraries() -> [String] {
        let dir = "/usr/lib/x86_64-linux-gnu"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".so") }.sorted()
        let files = names.map { dir + "/" + $0 }.filter { path in
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
            guard let elf = try? ELFFile(path: path) else { return false }
            return elf.header.machine == 62 && elf.header.fileClass == .elf64 && elf.dynamic != nil
                && elf.header.type == ELFHeader.sharedObject && !path.contains("ld-linux")
        }
        if MachineDifferentialTests.full { return files }
        return MachineSample.evenly(files, count: sampleSize)
    }

    /// Programs of /usr/bin compared in `make test` (every one with OFDOCTOR_DIFFERENTIAL=full):
    /// where copy relocations and a non-PIE program's canonical PLT entries are.
    static let programSampleSize = 40

    static func programs() -> [String] {
        let dir = "/usr/bin"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        let files = names.map { dir + "/" + $0 }.filter { path in
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o111 != 0,
                  let elf = try? ELFFile(path: path) else { return false }
            return elf.header.machine == 62 && elf.header.fileClass == .elf64 && elf.dynamic != nil && elf.interpreter != nil
        }
        if MachineDifferentialTests.full { return files }
        // every program with a copy relocation among them, so that the sample has some
        let copying = files.filter { (try? ELFFile(path: $0))?.copyRelocatedSymbols().isEmpty == false }
        return Array(Set(MachineSample.evenly(files, count: programSampleSize) + copying.prefix(5))).sorted()
    }

    static func lddR(_ path: String) -> Report? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MachineDifferentialTests.interpreter)
        process.arguments = [path]
        process.environment = ["LD_TRACE_LOADED_OBJECTS": "1", "LD_WARN": "yes", "LD_BIND_NOW": "yes"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// What `ldd -r` printed (stdout and stderr together).
    static func parse(_ text: String) -> Report {
        let output = LddOutput(text)
        // (a missing library: trace mode goes on, and lists the references that wait for it)
        var report = Report()
        for u in output.undefined { report.undefined.insert("\(u.requester)|\(u.symbol)|\(u.version ?? "")") }
        for v in output.missingVersions { report.missingVersions.insert("\(v.file)|\(v.version)|\(v.requester)") }
        return report
    }

    static func report(_ check: SymbolCheck, graph: LoadGraph) -> Report {
        var report = Report()
        for problem in check.symbolProblems where !problem.assertion {
            report.undefined.insert("\(graph.objects[problem.requester].path)|\(problem.symbol)|\(problem.version ?? "")")
        }
        for problem in check.versionProblems where problem.kind == .notFound || problem.kind == .weakNotFound {
            report.missingVersions.insert("\(graph.objects[problem.provider].path)|\(problem.version)|\(graph.objects[problem.requester].path)")
        }
        return report
    }

    /// The model against `truth` both ways of finding definers: the scope walk and the
    /// definition index; each on one thread and split over two (what large closures do),
    /// with each file's tables read on demand and read ahead while the closure resolves.
    /// Split, read ahead or not, the problems are the same ones in the same order.
    static func disagreements(_ library: String, truth: Report, system: TargetSystem) throws -> [String] {
        var result: [String] = []
        var resolver = system.resolver(environment: LoaderEnvironment(), originFromTypedPath: true)
        resolver.readsTablesAhead = .never
        let graph = try resolver.resolve(program: RootPath(library))
        resolver.readsTablesAhead = .always
        let readAhead = try resolver.resolve(program: RootPath(library))
        // (Past `residentFiles` parsed files, candidates included, nothing is read ahead by
        // design: a closure of half as many objects is surely within them.)
        if readAhead.objects.count <= Resolver.residentFiles / 2, let unread = readAhead.objects.first(where: { !$0.elf.hasTablesReadAhead }) {
            result.append("\(library): \(unread.path) was parsed but its tables were not read ahead")
        }
        let ahead = SymbolCheck(graph: readAhead, strategy: .index, concurrency: .always)
        if report(ahead, graph: readAhead) != truth {
            result.append("\(library) (tables read ahead): ldd -r \(truth) | model \(report(ahead, graph: readAhead))")
        }
        for strategy in [SymbolCheck.LookupStrategy.scan, .index] {
            let alone = SymbolCheck(graph: graph, strategy: strategy, concurrency: .never)
            let split = SymbolCheck(graph: graph, strategy: strategy, concurrency: .always)
            for (check, how) in [(alone, "one thread"), (split, "two threads")] {
                let predicted = report(check, graph: graph)
                if predicted != truth { result.append("\(library) (\(strategy), \(how)): ldd -r \(truth) | model \(predicted)") }
            }
            if alone.symbolProblems != split.symbolProblems || alone.versionProblems != split.versionProblems {
                result.append("\(library) (\(strategy)): two threads found \(split.symbolProblems.count) problems, one \(alone.symbolProblems.count)")
            }
        }
        return result
    }

    @Test("unresolved symbols and missing versions equal ldd -r's, library by library and program by program",
          .enabled(if: FileManager.default.isExecutableFile(atPath: MachineDifferentialTests.interpreter), "needs this machine's x86-64 ld.so"))
    func agreesWithLddR() throws {
        let system = try #require(MachineDifferentialTests.system)
        var compared = 0, withProblems = 0, programsCompared = 0, copyingCompared = 0
        var disagreements: [String] = []
        let libraries = Self.libraries(), programs = Self.programs()
        for file in libraries + programs {
            guard let truth = Self.lddR(file) else { continue }
            compared += 1
            if programs.contains(file) {
                programsCompared += 1
                if (try? ELFFile(path: file))?.copyRelocatedSymbols().isEmpty == false { copyingCompared += 1 }
            }
            if !truth.undefined.isEmpty || !truth.missingVersions.isEmpty { withProblems += 1 }
            disagreements += try Self.disagreements(file, truth: truth, system: system)
        }
        print("symbol differential: \(libraries.count) libraries and \(programs.count) programs sampled, \(compared) compared (\(programsCompared) programs, \(copyingCompared) with copy relocations; \(withProblems) with unresolved symbols), \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).joined(separator: "\n"))")
        #expect(libraries.count >= (MachineDifferentialTests.full ? 100 : Self.sampleSize), "the corpus scripts/deps.sh installs has fewer libraries than the sample")
        #expect(compared >= MachineSample.floor(of: libraries.count + programs.count), "ldd -r traced too few of the sampled files")
        #expect(copyingCompared > 0, "no program with a copy relocation was compared")
    }
}
