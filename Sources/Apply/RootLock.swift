#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS

/// An exclusive `flock(2)` on the root directory itself, held for one apply or undo, so
/// that two of them never interleave. Locking the directory leaves no lock file behind
/// in the root; the kernel drops the lock when the process dies.
final class RootLock {
    private let fd: Int32

    init(_ root: LocalRoot) throws(ApplyError) {
        let path = root.hostPath(.root)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(path: "/", operation: "open", errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .lockHeld(root: root.label) }
            throw .system(path: "/", operation: "flock", errno: code)
        }
        self.fd = fd
    }

    // Unlock before closing: a child forked by another thread (Process) may still share this
    // open file description until its exec, and close(2) alone would leave the lock held.
    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
