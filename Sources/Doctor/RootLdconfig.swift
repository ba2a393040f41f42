import RootFS

/// The root's own `ldconfig`, for a command that runs inside the root: `docker build` runs
/// a Dockerfile's RUN with the image's `PATH`, which need not hold `/sbin` (glibc installs
/// ldconfig in `sbindir`), so a bare `ldconfig` can fail where the file is there.
public enum RootLdconfig {
    /// Where distributions put it: Debian and Ubuntu `/sbin` (`/usr/sbin` when /usr is
    /// merged), Fedora `/usr/sbin`, Alpine `/sbin`, a glibc built by hand `/usr/local/sbin`.
    public static let candidates = ["/sbin/ldconfig", "/usr/sbin/ldconfig", "/usr/local/sbin/ldconfig", "/bin/ldconfig", "/usr/bin/ldconfig"]

    /// The first candidate that is an executable file in `root` (links followed inside
    /// it), nil when the root has none.
    public static func path(in root: RootView) -> String? {
        candidates.first { ProgramLocation.isProgram(RootPath($0), root) }
    }
}
