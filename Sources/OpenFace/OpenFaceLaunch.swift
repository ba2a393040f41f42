import RootFS

/// How FeatureExtraction is started, which decides where it looks for its models: the
/// cwd, then `dirname(argv[0])`, then the compiled-in `<CMAKE_INSTALL_PREFIX>/etc/OpenFace`.
public struct OpenFaceLaunch: Equatable, Sendable {
    /// The binary's path inside the root.
    public var binary: RootPath
    /// `argv[0]` as typed: a bare name (found through `PATH`) or a path.
    public var argv0: String
    public var workingDirectory: RootPath
    /// `CMAKE_INSTALL_PREFIX` the build was configured with (the image's is /opt/OpenFace/build).
    public var installPrefix: RootPath

    public init(binary: RootPath, argv0: String? = nil, workingDirectory: RootPath = .root,
                installPrefix: RootPath = RootPath("/opt/OpenFace/build")) {
        self.binary = binary
        self.argv0 = argv0 ?? binary.string
        self.workingDirectory = workingDirectory
        self.installPrefix = installPrefix
    }

    /// `CONFIG_DIR`: `<prefix>/etc/OpenFace`.
    public var configDirectory: RootPath { installPrefix.appending("etc/OpenFace") }

    /// `dirname(argv[0])` as a path in the root; nil for a `PATH` start, where
    /// `fs::path(argv[0]).parent_path()` is empty and the second place is the cwd again.
    public var argv0Directory: RootPath? {
        // Everything before the last `/` (a slice, not a split and generic `joined`).
        guard let slash = argv0.lastSlashIndex else { return nil }
        let parent = String(argv0[..<slash])
        if argv0.startsWithSlash { return RootPath(parent.isEmpty ? "/" : parent) }
        return workingDirectory.appending(parent)
    }

    /// The three places, in the program's order (the second is the cwd for a `PATH` start).
    public var searchBases: [RootPath] {
        [workingDirectory, argv0Directory ?? workingDirectory, configDirectory]
    }
}
