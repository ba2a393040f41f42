import Foundation
import Testing

/// `LD_HWCAP_MASK` and `GLIBC_TUNABLES=glibc.cpu.hwcap_mask=N` on a glibc 2.31 root (the
/// OpenFace image's glibc; legacy hwcap subdirectories end with 2.36): a mask that clears the
/// `x86_64` hwcap bit takes `DIR/x86_64/x86_64` out of every search (the platform's
/// `DIR/x86_64` stays) and passes over ld.so.cache entries from `…/x86_64/` directories. A
/// big-root sweep found the check taking those copies anyway. The root's own 2.31 loader
/// judges each setting.
@Suite("The legacy hwcap mask on a glibc 2.31 root, against its loader", .serialized)
struct HWCapMaskTests {
    static func environmentArguments(_ environment: [String: String]) -> [String] {
        environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] }
    }

    /// The copy of libfoo.so.1 `tree` resolves, and the one `ld.so --list` loads.
    static func resolved(_ root: String, _ environment: [String: String]) -> (check: String?, loader: String?) {
        let tree = Command.ofdoctor(["tree", "--root", root] + environmentArguments(environment) + ["/app/prog"],
                                    environment: ["COLUMNS": "400"])
        let real = RealLoader.list(root: root, program: "/app/prog", environment: environment)
        func path(_ text: String) -> String? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains("libfoo.so.1 => ") }),
                  let arrow = line.range(of: "=> ") else { return nil }
            return line[arrow.upperBound...].split(separator: " ").first.map(String.init)
        }
        return (path(tree.stdout), path(real.stdout))
    }

    @Test("x86_64/x86_64 and cache entries of x86_64/ directories are passed over under a mask that clears the bit, as the 2.31 loader passes them over",
          .enabled(if: Glibc231HWCapsTests.isAvailable, "needs root, gcc and the bullseye root (bash scripts/debian-root.sh bullseye)"))
    func maskedCopiesPassedOver() throws {
        let work = try Glibc231HWCapsTests.makeRoot(libraryDirectory: "/usr/lib/x86_64-linux-gnu")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let placed = ImageE2E.run("/bin/bash", ["-c", """
            set -e; R=$1; L=$R/usr/lib/x86_64-linux-gnu
            mkdir -p "$L/x86_64" "$R/opt/p/x86_64/x86_64"
            cp "$L/libfoo.so.1" "$L/x86_64/libfoo.so.1"; cp "$L/libfoo.so.1" "$R/opt/p/x86_64/x86_64/libfoo.so.1"
            chroot "$R" /sbin/ldconfig
            """, "sh", root])
        try #require(placed.status == 0, "\(placed.stderr)")
        // (and whether the mask keeps the x86_64 hwcap bit, so x86_64/x86_64 is searched)
        let cases: [(environment: [String: String], expected: String, keepsBit: Bool)] = [
            ([:], "/lib/x86_64-linux-gnu/x86_64/libfoo.so.1", true),
            (["LD_HWCAP_MASK": "0"], "/lib/x86_64-linux-gnu/libfoo.so.1", false),
            (["GLIBC_TUNABLES": "glibc.cpu.hwcap_mask=0"], "/lib/x86_64-linux-gnu/libfoo.so.1", false),
            (["LD_HWCAP_MASK": "2"], "/lib/x86_64-linux-gnu/x86_64/libfoo.so.1", true),
            (["LD_HWCAP_MASK": "0xffffffff"], "/lib/x86_64-linux-gnu/x86_64/libfoo.so.1", true),
            (["LD_LIBRARY_PATH": "/opt/p"], "/opt/p/x86_64/x86_64/libfoo.so.1", true),
            (["LD_LIBRARY_PATH": "/opt/p", "LD_HWCAP_MASK": "0"], "/lib/x86_64-linux-gnu/libfoo.so.1", false),
            // the tunable wins over the variable
            (["LD_LIBRARY_PATH": "/opt/p", "LD_HWCAP_MASK": "0", "GLIBC_TUNABLES": "glibc.cpu.hwcap_mask=2"], "/opt/p/x86_64/x86_64/libfoo.so.1", true),
        ]
        for (environment, expected, keepsBit) in cases {
            let (check, loader) = Self.resolved(root, environment)
            #expect(loader == expected, "\(environment): the 2.31 loader took \(loader ?? "nothing")")
            #expect(check == loader, "\(environment): tree \(check ?? "nothing"), the loader \(loader ?? "nothing")")
            // The report's list of searched subdirectories is the masked one: x86_64/x86_64
            // (platform, then hwcap) only where the loader searched it.
            let json = Command.ofdoctor(["check", "--root", root, "--format", "json"] + Self.environmentArguments(environment) + ["/app/prog"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
            let loaderFields = try #require(report["loader"] as? [String: Any])
            let listed = try #require(loaderFields["legacyHWCapSubdirectories"] as? [String])
            #expect(listed.contains("x86_64/x86_64") == keepsBit && listed.contains("x86_64"), "\(environment): \(listed)")
        }
    }
}
