import RootFS
import Support

/// /etc/passwd or /etc/group of a root: colon-separated lines, the name first and the id third.
package struct AccountFile {
    var lines: [[Substring]] = []

    package init(root: RootView, path: String) {
        guard let found = try? root.resolve(RootPath(path)), found.entry.kind == .file, found.entry.size <= 1 << 20,
              let bytes = try? root.filesystem.contents(of: found.path) else { return }
        let text = String(decoding: bytes.buffer, as: UTF8.self)
        lines = text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }.filter { $0.count >= 4 }   // passwd has 7 fields, group 4
    }

    func entry(id: UInt32) -> [Substring]? { lines.first { UInt32($0[2]) == id && !$0[0].isEmpty } }
    package func entry(name: String) -> [Substring]? { lines.first { $0[0] == name } }

    /// In /etc/group: the ids of the groups whose member list (the fourth field,
    /// comma-separated) names `user`.
    func groups(listing user: String) -> [UInt32] {
        lines.compactMap { line in
            line[3].split(separator: ",").contains { String($0).hasSameBytes(as: user) } ? UInt32(line[2]) : nil
        }
    }
}
