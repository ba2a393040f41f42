// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ofdoctor",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ofdoctor", targets: ["ofdoctor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibElf",
            pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]
        ),
        .systemLibrary(
            name: "CNettle",
            pkgConfig: "nettle",
            providers: [.apt(["nettle-dev"])]
        ),
        // zlib (already linked for libelf): gzip layers and zip entries are inflated by it.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // <sys/xattr.h>, which glibc's Swift module map leaves out: file capabilities.
        .systemLibrary(name: "CXattr", path: "Sources/CXattr"),
        // Starts child processes that die with ofdoctor (PR_SET_PDEATHSIG between fork and exec).
        .target(name: "CSpawn"),
        // Start-up before the Swift runtime: keeps argv and lets the static binary run
        // without /proc (Sources/CStartup/startup.c).
        .target(name: "CStartup"),
        // Threads started on another CPU than their creator's (Sources/CThread/include/CThread.h).
        .target(name: "CThread"),
        // ELF values from bytes, and ByteString: names as the loader sees them (bytes), which
        // every layer above carries.
        .target(name: "ELFInspect", dependencies: ["CLibElf"]),
        // The layers, each using only those listed before it (docs/architecture.md).
        // Errno names, child processes, byte search, string joining: what every layer above may call.
        .target(name: "Support", dependencies: ["CSpawn", "ELFInspect"]),
        // File formats with no policy: tar, gzip/zlib, zip, CRC-32, SHA-256, model-file headers.
        .target(name: "Archive", dependencies: ["Support", "ELFInspect", "CZlib", "CNettle"]),
        // The root as ld.so sees it: a directory, an overlay, a container image.
        .target(name: "RootFS", dependencies: ["ELFInspect", "Archive", "Support", "CXattr"]),
        // glibc's rules: ld.so.cache, ld.so.conf, ldconfig, search order, symbol versions.
        .target(name: "LoaderModel", dependencies: ["ELFInspect", "RootFS", "Support", "CThread"]),
        // One quoting function per output language.
        .target(name: "Quoting", dependencies: ["ELFInspect"]),
        // Findings, candidates, the plan and its simulation; the ApplicationRules interface.
        .target(name: "Doctor", dependencies: ["ELFInspect", "LoaderModel", "RootFS", "Archive", "Quoting", "Support"]),
        // OpenFace's rules for the doctor: OF ids, its libraries, FeatureExtraction's model files.
        .target(name: "OpenFace", dependencies: ["Doctor", "LoaderModel", "RootFS", "Archive", "ELFInspect", "Support"]),
        // fix --apply and undo: the journal, confined writes, ldconfig.
        .target(name: "Apply", dependencies: ["Doctor", "LoaderModel", "RootFS", "Archive", "Quoting", "Support"]),
        // `ofdoctor resources`: the docker_resources folder before docker build.
        .target(name: "Preflight", dependencies: ["OpenFace", "Doctor", "RootFS", "Archive", "Support"]),
        // Text for a terminal: wrapping to its width, colour policy, shortened lists. Pure
        // (Support only for its string joining).
        .target(name: "TextLayout", dependencies: ["Support"]),
        .executableTarget(
            name: "ofdoctor",
            dependencies: [
                "ELFInspect", "Support", "Archive", "RootFS", "LoaderModel", "Quoting", "Doctor", "OpenFace", "Apply", "Preflight", "TextLayout",
                "CStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test support: ELF images built from a description, and a root held in memory.
        .target(name: "ELFImageBuilder", path: "Tests/Support/ELFImageBuilder"),
        .target(name: "InMemoryRoot", dependencies: ["RootFS", "ELFInspect"], path: "Tests/Support/InMemoryRoot"),
        // What the real loader prints in trace mode (ldd, ldd -r), read for the tests that take it as their oracle.
        .target(name: "LoaderTrace", path: "Tests/Support/LoaderTrace"),
        // SplitMix64 from a fixed seed, for the tests that draw random cases.
        .target(name: "SeededRandom", path: "Tests/Support/SeededRandom"),
        .testTarget(name: "ELFInspectTests", dependencies: ["ELFInspect", "ELFImageBuilder"], exclude: ["Corpus"]),
        // Unit tests of the library layers, and the differentials against this machine's loader.
        .testTarget(name: "LinkerDoctorTests", dependencies: ["ELFInspect", "Support", "Archive", "RootFS", "LoaderModel", "Quoting", "Doctor", "OpenFace", "Apply", "Preflight", "ELFImageBuilder", "InMemoryRoot", "LoaderTrace", "SeededRandom"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ELFInspect", "Support", "Archive", "RootFS", "LoaderModel", "Quoting", "Doctor", "OpenFace", "Apply", "Preflight", "LoaderTrace", "SeededRandom"]),
        .testTarget(name: "TextLayoutTests", dependencies: ["TextLayout"]),
    ],
    swiftLanguageModes: [.v6]
)
