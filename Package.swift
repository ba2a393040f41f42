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
        .executableTarget(
            name: "ofdoctor",
            dependencies: [
                "LinkerDoctor",
                "CStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test support: ELF images built from a description, and a root held in memory.
        .target(name: "ELFImageBuilder", path: "Tests/Support/ELFImageBuilder"),
        .target(name: "InMemoryRoot", dependencies: ["LinkerDoctor", "ELFInspect"], path: "Tests/Support/InMemoryRoot"),
        .testTarget(name: "ELFInspectTests", dependencies: ["ELFInspect", "ELFImageBuilder"], exclude: ["Corpus"]),
        .testTarget(name: "LinkerDoctorTests", dependencies: ["LinkerDoctor", "ELFInspect", "ELFImageBuilder", "InMemoryRoot"]),
        .testTarget(name: "EndToEndTests", dependencies: ["LinkerDoctor", "ELFInspect"]),
    ],
    swiftLanguageModes: [.v6]
)
