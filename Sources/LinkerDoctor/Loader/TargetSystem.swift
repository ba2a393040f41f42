import ELFInspect

/// The examined system: its root, the glibc rules that apply to it and its loader cache.
/// Built once per command; resolutions with different environments share it.
public struct TargetSystem: Sendable {
    public var root: RootView
    public var platform: LoaderPlatform
    public var cache: LdSoCache?
    /// Why the cache could not be used (the loader then skips it too).
    public var cacheProblem: String?
    /// Where the glibc version was read from, for "which rules were used".
    public var glibcSource: String

    /// The glibc this model follows when the root has no readable `libc.so.6`.
    public static let fallbackGlibc = GlibcVersion(2, 36)

    public init(root: RootView, platform: LoaderPlatform, cache: LdSoCache?, cacheProblem: String? = nil,
                glibcSource: String) {
        self.root = root
        self.platform = platform
        self.cache = cache
        self.cacheProblem = cacheProblem
        self.glibcSource = glibcSource
    }

    /// Reads what the loader's rules depend on from the root: glibc's version (its
    /// `libc.so.6`), the multiarch layout, and `/etc/ld.so.cache`.
    public static func inspect(root: RootView, cpu: CPUFeatures) -> TargetSystem {
        let multiarch = root.isDirectory(RootPath("/lib/x86_64-linux-gnu")) || root.isDirectory(RootPath("/usr/lib/x86_64-linux-gnu"))
        let dirs = multiarch ? LoaderPlatform.debianDefaultDirectories : LoaderPlatform.upstreamDefaultDirectories
        var glibc: GlibcVersion?
        var source = "no libc.so.6 in the root; glibc \(fallbackGlibc) rules assumed"
        for dir in dirs {
            let path = RootPath(dir + "/libc.so.6")
            guard let bytes = try? root.contents(of: path) else { continue }
            let elf = try? ELFFile(bytes: bytes, path: path.string)
            if let version = GlibcVersion.detect(libc: bytes, elf: elf) {
                glibc = version
                source = "glibc \(version), read from \(path.string)"
                break
            }
        }
        let platform = LoaderPlatform.make(glibc: glibc ?? fallbackGlibc, cpu: cpu, multiarch: multiarch)
        var cache: LdSoCache?
        var problem: String?
        do {
            cache = try LdSoCache.read(from: root)
        } catch {
            problem = "\(error)"
        }
        return TargetSystem(root: root, platform: platform, cache: cache, cacheProblem: problem, glibcSource: source)
    }

    public func resolver(environment: LoaderEnvironment, originFromTypedPath: Bool = false) -> Resolver {
        Resolver(root: root, environment: environment, platform: platform,
                 cache: cache.map { CacheLookup(cache: $0, platform: platform) },
                 originFromTypedPath: originFromTypedPath)
    }
}
