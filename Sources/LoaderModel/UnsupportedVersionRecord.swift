/// A version record of a version the loader does not know: `vn_version` or `vd_version`
/// other than 1, in a corrupted or hand-edited file (elf/dl-version.c). An object's first
/// `Verneed` record is checked as the version check reaches the object and stops the loader
/// (exit 127; ldd and ld.so --list stop too). A `Verdef` record is checked when a need
/// against its object walks past it before a match: a version error printed as a missing
/// version is (the loader exits 1 after the whole check; ldd -r prints it and goes on).
/// The same in glibc 2.31 and 2.36 (measured).
public struct UnsupportedVersionRecord: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// `Verneed` (`DT_VERNEED`): what the object needs.
        case need
        /// `Verdef` (`DT_VERDEF`): what the object defines.
        case definition
        /// Version records and no `DT_VERSYM` to index them by (`ELFFile.lostForVersionCheck`):
        /// the loader dies of SIGSEGV as its check reaches the object, after checking the
        /// object's own needs; nothing is printed (glibc 2.31, 2.36 and 2.41, measured).
        case noVersionSymbolTable
    }

    public var kind: Kind
    /// The object whose record it is (load-order position).
    public var object: Int
    /// The record's `vn_version` or `vd_version`.
    public var recordVersion: UInt16
    /// For a definition record: the object that needed a version of it, and the version.
    public var requester: Int?
    public var neededVersion: String?
    /// Fatal version errors the loader printed before it (`.need`) or before it in order
    /// (`.definition`).
    public var versionErrorsBefore: Int

    /// What the loader prints (`name`: the object as the loader names it; the program by
    /// its `argv[0]`).
    /// (Nil when it prints nothing.)
    public func message(argv0: String, name: String) -> String? {
        switch kind {
        case .need: return "\(argv0): error while loading shared libraries: \(name): unsupported version \(recordVersion) of Verneed record"
        case .definition: return "\(argv0): \(name): unsupported version \(recordVersion) of Verdef record"
        case .noVersionSymbolTable: return nil
        }
    }
}
