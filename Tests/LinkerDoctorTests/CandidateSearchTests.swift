import Foundation
@testable import Doctor
import LoaderModel
import RootFS
import Testing

/// The candidate search reads the root in stages, the likely places first: what each stage
/// finds, in a root of plain files laid out as conda, pip and hand-made installs lay them
/// out (only names matter here: every copy is accepted).
@Suite("Candidate search: likely places first, the rest of the root only when they hold nothing")
struct CandidateSearchTests {
    /// A root under a temporary directory with an empty file at each path.
    static func root(_ files: [String]) throws -> (RootView, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-search-\(UUID().uuidString)").path
        for file in files {
            try FileManager.default.createDirectory(atPath: dir + (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: dir + file, contents: Data()))
        }
        return (RootView(try LocalRoot(directory: dir)), dir)
    }

    static let layout = [
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/opt/app/bin/prog",
        "/opt/app/lib/libapp.so.1",
        "/opt/conda/lib/libmkl_rt.so.2",
        "/opt/conda/envs/py310/lib/libffi.so.8",
        "/opt/conda/envs/py310/lib/python3.10/site-packages/numpy.libs/libopenblas64_p-r0-15028c96.3.21.so",
        "/opt/conda/envs/py310/lib/python3.10/site-packages/torch/lib/libc10.so",
        "/opt/conda/pkgs/zz-1.0-0/lib/python3.10/site-packages/zz/_vendor/.libs/libdeep.so.1",
        "/usr/local/lib/python3.11/dist-packages/scipy/.libs/libgfortran-040039e1.so.5.0.0",
        "/root/miniconda3/lib/libjpeg.so.9",
        "/home/ana/.conda/envs/work/lib/libpng16.so.16",
        "/data/archive/libold.so.3",
    ]

    /// Debian 12's: names are judged as its ldconfig judges them.
    static let glibc = GlibcVersion(2, 36)

    static let ownDirectories = ["/opt/app/bin", "/opt/app/lib", "/usr/lib/x86_64-linux-gnu"]

    @Test("conda environments, wheels' library directories, home prefixes and the program's own directories are likely places",
          arguments: [
              "libapp.so.1", "libmkl_rt.so.2", "libffi.so.8", "libopenblas64_p-r0-15028c96.3.21.so", "libc10.so",
              "libgfortran-040039e1.so.5.0.0", "libjpeg.so.9", "libpng16.so.16",
          ])
    func likelyPlaces(_ name: String) throws {
        let (root, dir) = try Self.root(Self.layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var search = CandidateSearch(root: root, glibc: Self.glibc, ownDirectories: Self.ownDirectories)
        search.find(name) { _ in true }
        #expect(search.record.stages.map(\.stage) == [.likelyPlaces])
        #expect(search.index.paths(named: name).count == 1, "\(search.index.byName)")
        // The package cache and /data are not read.
        #expect(search.index.paths(named: "libdeep.so.1").isEmpty && search.index.paths(named: "libold.so.3").isEmpty)
    }

    @Test("a copy deep in /opt is found by the second stage; one only outside every prefix tree by the third")
    func laterStages() throws {
        let (root, dir) = try Self.root(Self.layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var search = CandidateSearch(root: root, glibc: Self.glibc, ownDirectories: Self.ownDirectories)
        search.find("libdeep.so.1") { _ in true }
        #expect(search.record.stages.map(\.stage) == [.likelyPlaces, .prefixTrees])
        #expect(search.index.paths(named: "libdeep.so.1") == ["/opt/conda/pkgs/zz-1.0-0/lib/python3.10/site-packages/zz/_vendor/.libs/libdeep.so.1"])
        search.find("libold.so.3") { _ in true }
        #expect(search.record.stages.map(\.stage) == [.likelyPlaces, .prefixTrees, .wholeRoot])
        #expect(search.index.paths(named: "libold.so.3") == ["/data/archive/libold.so.3"])
        // Nothing is indexed twice, though the walks pass through directories stage 1 read.
        #expect(search.index.paths(named: "libmkl_rt.so.2") == ["/opt/conda/lib/libmkl_rt.so.2"])
        #expect(search.index.paths(named: "libc.so.6") == ["/usr/lib/x86_64-linux-gnu/libc.so.6"])
        // A name found nowhere runs no stage again.
        let read = search.record
        search.find("libnowhere.so.1") { _ in true }
        #expect(search.record == read)
    }

    @Test("a copy the caller refuses does not stop the search: the next stage's copy is found too, after it")
    func refusedCopy() throws {
        let (root, dir) = try Self.root(Self.layout + ["/data/good/libmkl_rt.so.2"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var search = CandidateSearch(root: root, glibc: Self.glibc, ownDirectories: Self.ownDirectories)
        search.find("libmkl_rt.so.2") { $0.hasPrefix("/data/") }
        #expect(search.index.paths(named: "libmkl_rt.so.2") == ["/opt/conda/lib/libmkl_rt.so.2", "/data/good/libmkl_rt.so.2"])
        #expect(search.record.stages.count == 3)
    }

    @Test("the record tells how much was read, stage by stage")
    func recordSummary() throws {
        let (root, dir) = try Self.root(Self.layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var search = CandidateSearch(root: root, glibc: Self.glibc, ownDirectories: Self.ownDirectories)
        search.find("libold.so.3") { _ in true }
        let stages = search.record.stages
        #expect(stages.allSatisfy { $0.directories > 0 })
        #expect(search.record.directories == search.index.directoriesRead)
        #expect(search.record.summary.hasPrefix("\(stages[0].directories) directories in the likely places, then \(stages[1].directories) in the /opt"))
        #expect(search.record.summary.hasSuffix("then \(stages[2].directories) in the rest of the root"))
    }
}
