// swift-tools-version:6.0
// No package dependencies on purpose: the daemon guards a 1-2 GB box and its
// footprint budget (VmRSS <= 6.5 MiB) leaves no room for Foundation or the
// config/argument libraries (see ../shared/docs/footprint.md).
import PackageDescription

let package = Package(
    name: "nodeguard",
    targets: [
        // getdents64, and libsystemd's D-Bus client through dlopen (only
        // when a unit is restarted): nothing links libsystemd.
        .target(name: "CNodeGuard"),
        // All of TOML 1.0, strictly; no dependencies, not even the domain's.
        .target(name: "TOML"),
        .target(name: "NodeGuardKit", dependencies: ["CNodeGuard", "TOML"]),
        // HTTPS through Debian's libcurl, loaded with dlopen by the sender only.
        .target(name: "CCurl"),
        // Sending what the daemon queued: the CLI links it, the daemon does not.
        .target(name: "NodeGuardNotify", dependencies: ["NodeGuardKit", "CCurl"]),
        // What only the CLI does (doctor, suggestions, reports, help): the daemon does not link it.
        .target(name: "NodeGuardCLI", dependencies: ["NodeGuardKit", "TOML"]),
        .executableTarget(name: "nodeguardd", dependencies: ["NodeGuardKit"]),
        .executableTarget(name: "nodeguard", dependencies: ["NodeGuardKit", "NodeGuardNotify", "NodeGuardCLI"]),
        // The hot-loop cycle benchmark run by bench/footprint.sh.
        .executableTarget(name: "nodeguard-bench", dependencies: ["NodeGuardKit", "NodeGuardCLI", "TOML"], path: "bench/cycle"),
        // The TOML reader behind toml-test's decoder interface, for the fuzz run.
        .executableTarget(name: "toml-decoder", dependencies: ["TOML"], path: "system-tests/toml/decoder"),
        .testTarget(
            name: "NodeGuardKitTests",
            dependencies: ["NodeGuardKit", "NodeGuardNotify", "NodeGuardCLI", "TOML"],
            exclude: [],
            resources: []
        ),
    ]
)
