import RootFS
import Support

extension PlanApplier {
    /// Everything the plan needs, checked before its first change (issue 15, item 8): the
    /// `ldconfig` it will run starts and may chroot into the root, and this process may
    /// create and replace names (`faccessat(W_OK|X_OK, AT_EACCESS)`: EROFS, EACCES, EPERM)
    /// in every existing directory it writes — the parents of its links and files, the
    /// journal's, and `/etc` for ldconfig's cache. A plan that cannot be carried out
    /// changes nothing and says why (`ApplyError.cannotApply`).
    func preflight(_ work: [Work], evaluations: [Evaluation], _ session: ApplySession) throws(ApplyError) {
        let needed = evaluations.filter(\.needed).flatMap(\.changes)
        let ldconfigRuns = work.contains(.ldconfig)
            && (needed.contains { if case .file(_, _, _, _, _, _?) = $0 { false } else { true } } || session.journal.ldconfigIsStale)
        guard !needed.isEmpty || ldconfigRuns else { return }

        var reasons: [String] = []
        var writes: [RootPath] = []
        var created: Set<RootPath> = []
        for change in needed {
            if case .directory(let path) = change { created.insert(RootPath(path)) }
            if case .ldconfig = change { continue }
            writes.append(RootPath(change.path).parent)
        }
        if let journal = session.journalPath {
            writes.append(journal.parent)
        } else {
            let place = try session.locate(Journal.path)
            writes.append(place.missing.first?.parent ?? place.real.parent)
        }
        if ldconfigRuns {
            if let etc = try session.resolve(RootPath("/etc")), etc.entry.kind == .directory {
                writes.append(etc.path)
            } else {
                reasons.append("/etc: missing or not a directory; ldconfig writes /etc/ld.so.cache there")
            }
            reasons += try session.ldconfigFilesNotFiles()
            if let problem = ldconfig.preflight(for: root) { reasons.append(problem) }
        }
        var seen: Set<RootPath> = []
        var denied = false
        for directory in writes where !created.contains(directory) && seen.insert(directory).inserted {
            let writeDenial: Int32?
            do throws(ConfinementFailure) { writeDenial = try session.confined.writeDenied(directory) } catch {
                reasons.append(ApplySession.error(error).description)
                continue
            }
            if let code = writeDenial {
                reasons.append("\(directory.string): this user cannot create or replace names in it: \(Errno.describe(code))")
                denied = denied || Errno.isPermission(code)
            }
        }
        guard reasons.isEmpty else { throw denied && !runsAsRoot ? .needsRoot(reasons: reasons) : .cannotApply(reasons: reasons) }
    }
}
