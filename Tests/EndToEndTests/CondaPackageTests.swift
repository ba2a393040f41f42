import Foundation
import Testing

/// A library a conda package installed (`/opt/conda/lib`, as the image's MKL and libffi):
/// cut short, the remedy names the package its environment's `conda-meta` record lists it
/// under; gone, the person's step does, found from the directory the program's RUNPATH
/// searched. Records that are no JSON, or lack a field (`aaa`, read first, has no build), are
/// passed over.
@Suite("A damaged or missing library of a conda environment: the package named")
struct CondaPackageTests {
    static func build() throws -> ScratchBuild {
        try ScratchBuild("conda", "R=$PWD/root" + MinimalRoot.prelude + """
            mkdir -p "$R/opt/conda/lib" "$R/opt/conda/conda-meta"
            echo 'int foo(void) { return 1; }' > foo.c
            gcc -shared -fPIC -o "$R/opt/conda/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 foo.c
            printf '%s\\n' '\(MinimalRoot.program(calling: ["foo"], expected: 1))' > main.c
            gcc -nostdlib -o "$R/app/prog" main.c "$R/opt/conda/lib/libfoo.so.1" -Wl,-rpath,/opt/conda/lib
            printf '%s' '{"name": "libfoo", "version": "1.0", "build": "h0_1", "files": ["include/foo.h", "lib/libfoo.so.1"]}' \\
              > "$R/opt/conda/conda-meta/libfoo-1.0-h0_1.json"
            printf 'not json' > "$R/opt/conda/conda-meta/broken-1-0.json"
            printf '%s' '{"name": "aaa", "version": "2", "files": ["lib/libfoo.so.1"]}' > "$R/opt/conda/conda-meta/aaa-2-0.json"
            """)
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let check = Command.ofdoctor(["check", "--format", "json"] + arguments)
        return try #require(try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check)")
    }

    @Test("cut short: LD010's remedy names libfoo 1.0 (build h0_1); gone: the person's step does, with the file its record lists")
    func named() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let library = root + "/opt/conda/lib/libfoo.so.1"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: library)[.size] as? Int)
        try #require(truncate(library, off_t(size / 2)) == 0)
        let cut = try Self.json(["--root", root, "/app/prog"])
        let remedy = ((cut["findings"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == "LD010" }?["remedy"] as? String
        #expect(remedy?.hasPrefix("Reinstall the conda package libfoo 1.0 (build h0_1) of the environment /opt/conda, the package that installed /opt/conda/lib/libfoo.so.1, or copy it again whole") == true,
                "\(remedy ?? "no LD010: \(cut)")")

        try FileManager.default.removeItem(atPath: library)
        let gone = try Self.json(["--root", root, "/app/prog"])
        let steps = ((gone["personSteps"] as? [[String: Any]]) ?? []).compactMap { $0["remedy"] as? String }
        #expect(steps.contains("reinstall the conda package libfoo 1.0 (build h0_1) of the environment /opt/conda: its record lists /opt/conda/lib/libfoo.so.1, and it is gone"),
                "\(steps)")
    }
}
