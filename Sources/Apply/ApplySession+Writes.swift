#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS

/// The confined writer: every write of an apply or undo, reached from the root's descriptor
/// (`ConfinedRoot`), each replacement built under a temporary name and renamed or linked into
/// place so it appears whole.
extension ApplySession {
    /// Runs one writing call on `path`, reached from the root's descriptor.
    func perform(_ path: RootPath, _ body: (ConfinedName) throws(WriteFailure) -> Void) throws(ApplyError) {
        let result: Result<Void, WriteFailure>
        do throws(ConfinementFailure) { result = try confined.at(path, body) } catch { throw Self.error(error) }
        if case .failure(let failure) = result { throw ApplyError.from(failure, path: path.string) }
    }

    /// Runs a call on two names (`renameat`, `linkat`); errors name `path`.
    func perform(_ first: RootPath, _ second: RootPath, reportedAs path: RootPath,
                 _ body: (ConfinedName, ConfinedName) throws(WriteFailure) -> Void) throws(ApplyError) {
        let a: ConfinedName, b: ConfinedName
        do throws(ConfinementFailure) {
            a = try confined.openParent(of: first)
            do { b = try confined.openParent(of: second) } catch {
                close(a.directory)
                throw error
            }
        } catch { throw Self.error(error) }
        defer { close(a.directory); close(b.directory) }
        do { try body(a, b) } catch { throw ApplyError.from(error, path: path.string) }
    }

    func makeDirectory(_ path: RootPath) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.makeDirectory(at, mode: 0o755) }
        try syncDirectory(path.parent)
    }

    func syncDirectory(_ path: RootPath) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.syncDirectory(at) }
    }

    func unlink(_ path: RootPath) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.unlink(at) }
        try syncDirectory(path.parent)
    }

    /// `rmdir(2)`; false when the directory is not empty (someone else's files are in it).
    func removeDirectory(_ path: RootPath) throws(ApplyError) -> Bool {
        do {
            try perform(path) { (at) throws(WriteFailure) in try writer.removeDirectory(at) }
        } catch {
            if case .system(_, _, ENOTEMPTY) = error { return false }
            if case .exists = error { return false }
            throw error
        }
        try syncDirectory(path.parent)
        return true
    }

    /// Removes a temporary name left by a killed run; refuses one ofdoctor cannot vouch for.
    func clearTemporary(_ temporary: RootPath, ours: Bool) throws(ApplyError) {
        guard try entry(temporary) != nil else { return }
        let journaled = journal.live.contains {
            switch $0.change {
            case .link(_, _, _, let t?), .file(_, _, _, _, let t, _): return t == temporary.string
            default: return false
            }
        }
        guard ours || journaled else { throw .exists(path: temporary.string) }
        try unlink(temporary)
    }

    /// A new symlink: `symlink(2)` fails rather than replace anything.
    func createLink(_ path: RootPath, target: String) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.symlink(target, at: at) }
        try syncDirectory(path.parent)
    }

    /// Repoints a symlink: the new one is made under `temporary`, then renamed over it.
    func replaceLink(_ path: RootPath, target: String, temporary: RootPath, ours: Bool = false) throws(ApplyError) {
        try clearTemporary(temporary, ours: ours)
        try perform(temporary) { (at) throws(WriteFailure) in try writer.symlink(target, at: at) }
        try perform(temporary, path, reportedAs: path) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
        try syncDirectory(path.parent)
    }

    /// A new file, written whole under `temporary` and published with `link(2)`, which
    /// fails rather than replace a file that appeared meanwhile.
    func createFile(_ path: RootPath, contents: [UInt8], mode: UInt32, temporary: RootPath) throws(ApplyError) {
        try clearTemporary(temporary, ours: false)
        try perform(temporary) { (at) throws(WriteFailure) in try writer.createFile(at, contents: contents, mode: mode) }
        try perform(temporary, path, reportedAs: path) { (from, to) throws(WriteFailure) in try writer.link(from, as: to) }
        try unlink(temporary)
    }

    /// Replaces a file with new bytes: written under `temporary`, then renamed over it.
    func replaceFile(_ path: RootPath, contents: [UInt8], mode: UInt32, temporary: RootPath, ours: Bool = false) throws(ApplyError) {
        try clearTemporary(temporary, ours: ours)
        try perform(temporary) { (at) throws(WriteFailure) in try writer.createFile(at, contents: contents, mode: mode) }
        try perform(temporary, path, reportedAs: path) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
        try syncDirectory(path.parent)
    }
}
