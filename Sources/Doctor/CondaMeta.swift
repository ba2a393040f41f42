#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RootFS
import Support

/// What conda records of the files its packages installed in an environment
/// (`PREFIX/conda-meta/NAME-VERSION-BUILD.json`: `name`, `version`, `build`, and `files`
/// relative to the prefix): which package to reinstall when a library it installed is
/// damaged or gone — libffi, MKL, libwebp in `/opt/conda/lib`. Read only for a step for a
/// person, and bounded. No command is printed: conda is not here to prove one.
public struct CondaMeta: InstalledFileRecords, Sendable {
    public struct Package: Equatable, Sendable {
        public var name: String
        public var version: String
        public var build: String
        /// The environment's directory (`/opt/conda`, `/opt/conda/envs/NAME`).
        public var prefix: RootPath

        /// "Reinstall the conda package libffi 3.4.4 (build h6a678d5_0) of the environment
        /// /opt/conda".
        public var reinstallText: String {
            "Reinstall the conda package \(name) \(version) (build \(build)) of the environment \(prefix.string)"
        }
    }

    /// What one record file says: only these fields are read.
    struct RecordFile: Decodable {
        var name: String
        var version: String
        var build: String
        var files: [String]?
    }

    /// Levels above a file where its environment's `conda-meta` is looked for
    /// (`PREFIX/lib/python3.8/site-packages/torch/lib/libc10.so` is six below).
    static let maxLevels = 8
    static let maxRecords = 5_000
    /// (a record is a few MB at most: PyTorch's lists ~10,000 files; each is decoded whole)
    static let largestRecord = 16 << 20
    static let readBudget = 128 << 20

    let root: RootView

    public init(root: RootView) {
        self.root = root
    }

    /// The ancestors of `file` that hold a `conda-meta` directory, nearest first.
    func places(above file: RootPath) -> [RootPath] {
        var found: [RootPath] = []
        var ancestor = file.parent
        for _ in 0..<Self.maxLevels {
            if root.isDirectory(ancestor.appendingComponent("conda-meta")) { found.append(ancestor) }
            if ancestor.isRoot { break }
            ancestor = ancestor.parent
        }
        return found
    }

    /// Each record of the environment at `prefix` that reads as one, with its files made
    /// absolute (in name order; a record that is no JSON, or lacks a field, is skipped).
    func records(in prefix: RootPath, budget: inout Int) -> [(record: Package, files: Set<String>)] {
        let directory = prefix.appendingComponent("conda-meta")
        guard let names = try? root.names(in: directory) else { return [] }
        var result: [(record: Package, files: Set<String>)] = []
        for name in names.sorted().prefix(Self.maxRecords) where name.hasByteSuffix(".json") {
            guard let bytes = try? root.contents(of: directory.appendingComponent(name)), bytes.count <= Self.largestRecord else { continue }
            budget -= bytes.count
            guard budget >= 0 else { break }
            guard let record = try? JSONDecoder().decode(RecordFile.self, from: Data(bytes.bytes)) else { continue }
            let files = Set((record.files ?? []).map { RootPath(prefix.string + "/" + $0).string })
            result.append((Package(name: record.name, version: record.version, build: record.build, prefix: prefix), files))
        }
        return result
    }

    /// A record names its package whole.
    func owner(of package: Package, in prefix: RootPath) -> Package? { package }
}
