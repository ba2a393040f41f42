#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS
import Support

/// Whether a failure to read a file is the loader's outcome or ofdoctor's own. The loader
/// passes over a file it may not open or that vanished, and so does the model; but memory,
/// descriptors or an I/O error that ran out while ofdoctor read a library it found say
/// nothing about the loader, which opens and maps the file itself: a check that took that
/// library for absent told a user to run ldconfig for a library that was there (seen under
/// `ulimit -v`: gdb's libicudata "not found").
enum OwnReadFailure {
    /// errnos the loader's own open or read meets as well, and takes as "not here".
    static let loaderOutcomes: Set<Int32> = [ENOENT, ENOTDIR, EACCES, EPERM, ELOOP, EISDIR, ENXIO, ENODEV, ENAMETOOLONG]

    static func isOwn(_ error: RootError) -> Bool {
        guard case .io(_, _, let code) = error else { return false }
        return !loaderOutcomes.contains(code)
    }

    /// Whether the kernel may refuse `reader` (ofdoctor) what it grants `loader` (the
    /// identity the loader's opens run with; nil: root): then a denial is ofdoctor's own.
    /// Root reads everything; the same user with the same groups meets the same checks.
    static func readerMayLack(_ reader: ProcessIdentity?, comparedWith loader: ProcessIdentity?) -> Bool {
        guard let reader, reader.uid != 0 else { return false }
        let loader = loader ?? .root
        return loader.uid != reader.uid || loader.gid != reader.gid || Set(loader.groups) != Set(reader.groups)
    }
}
