/// Where a name inside the root really lies, for a path another program will join to the
/// root: a shell on the host follows the root's links as the host's own, so an absolute
/// link (`/usr/lib/x86_64-linux-gnu -> /usr/lib64`) would lead it out of the root. The
/// real path has no link on the way.
extension RootView {
    /// `path` with every directory on the way resolved inside the root (the last component
    /// kept as it is: it names the file to make, or a link itself). Directories that do not
    /// exist yet are kept by name under the last one that does; where the walk fails (a link
    /// loop, a file on the way) the rest is kept as written, and whoever writes it meets
    /// the same failure.
    public func placement(of path: RootPath) -> RootPath {
        guard !path.isRoot else { return path }
        return realDirectory(path.parent).appending(path.lastComponent)
    }

    private func realDirectory(_ directory: RootPath) -> RootPath {
        if directory.isRoot { return directory }
        if let resolved = (try? resolve(directory)) ?? nil, resolved.entry.kind == .directory { return resolved.path }
        return realDirectory(directory.parent).appending(directory.lastComponent)
    }
}
