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
        // Starts child processes that die with ofdoctor (PR_SET_PDEATHSIG between fork and exec).
        .target(name: "CSpawn"),
        // Start-up before the Swift runtime: keeps argv and lets the static binary run
        // without /proc (Sources/CStartup/startup.c).
        .target(name: "CStartup"),
        .target(name: "ELFInspect", dependencies: ["CLibElf"]),
        .target(name: "LinkerDoctor", dependencies: ["ELFInspect", "CNettle", "CZlib", "CSpawn"]),
        // Text for a terminal: wrapping to its width, colour policy, shortened lists. Pure.
        .target(name: "TextLayout"),
        .executableTarget(
            name: "ofdoctor",
            dependencies: [
                "LinkerDoctor",
                "TextLayout",
                "CStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ELFInspectTests", dependencies: ["ELFInspect"], exclude: ["Corpus"]),
        .testTarget(name: "LinkerDoctorTests", dependencies: ["LinkerDoctor", "ELFInspect"]),
        .testTarget(name: "EndToEndTests", dependencies: ["LinkerDoctor", "ELFInspect"]),
        .testTarget(name: "TextLayoutTests", dependencies: ["TextLayout"]),
    ],
    swiftLanguageModes: [.v6]
)
