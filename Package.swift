// swift-tools-version: 6.0
// Lockstep: float, clear-quantized and TFHE-encrypted neural networks, run side by side.
// Module graph (imports only point down): see README.md "Layout" and DESIGN §1.
import PackageDescription

// Release builds of the crypto kernels: bounds and exclusivity checks stay on in debug,
// where the unit tests run; the benchmarks are release builds.
//
// On x86-64 they also target Haswell-class CPUs (AVX2, FMA, BMI2: every x86 server CPU since
// 2013), so the element-wise passes around the FFTs run four doubles wide: KS+PBS on
// concrete-p40-b4 drops from a KS+PBS/floor ratio of 1.73 to 1.55 on this machine (see the
// README, "Performance"). `lockstep` checks the CPU when it starts and names the fix;
// LOCKSTEP_PORTABLE=1 at build time gives baseline x86-64 code instead.
#if arch(x86_64)
let targetsHaswell = Context.environment["LOCKSTEP_PORTABLE"] != "1"
#else
let targetsHaswell = false
#endif
let cpuFlags = targetsHaswell ? ["-target-cpu", "haswell"] : []

//
// Debug builds, which the unit tests and CI's verify and round trip use, optimise these modules
// too: -O keeps bounds, overflow and exclusivity checks (only -Ounchecked and the release flag
// above drop them; these modules have no `assert`), and unoptimised bootstraps and key
// generation were most of CI's time (see README, "Two commands").
let hotLoopSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"] + cpuFlags, .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "Lockstep",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lockstep", targets: ["lockstep"]),
        .executable(name: "lockstep-fuzz", targets: ["lockstep-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The runtime library only: onnx.pb.swift is generated once and committed (see its
        // header), so builds never run protoc or the package's build plugin.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C libraries, each wrapped by exactly one Swift module.
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // SHA-256 (checksums, fingerprints) through the system's libcrypto.
        .target(name: "Digest", dependencies: ["COpenSSL"]),

        // Reading user-named files: regular files only, bounded in size.
        .target(name: "FileInput"),

        // Reproducible public randomness (splits, messages, synthetic samples); never key material.
        .target(name: "SeededRandom"),

        .target(name: "TFHE", dependencies: ["CFFTW"], swiftSettings: hotLoopSettings),
        .target(name: "NeuralNet", dependencies: ["SeededRandom", "FileInput"], swiftSettings: hotLoopSettings),
        .target(name: "Quantization", dependencies: ["NeuralNet"]),
        .target(name: "Datasets", dependencies: ["CZlib", "SeededRandom", "Digest"]),
        .target(name: "Circuit", dependencies: ["TFHE", "Quantization", "NeuralNet", "SeededRandom", "Digest", "FileInput"], swiftSettings: hotLoopSettings),
        .target(name: "Verification", dependencies: ["Circuit", "TFHE", "NeuralNet"]),
        .target(name: "GSLStatistics", dependencies: ["CGSL"]),
        .target(name: "NoiseAnalysis", dependencies: ["TFHE", "GSLStatistics", "SeededRandom"]),
        .target(name: "Reporting"),
        .target(name: "ModelImport", dependencies: ["NeuralNet", "FileInput", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "Experiments",
            dependencies: [
                "Circuit", "Verification", "NoiseAnalysis", "GSLStatistics", "Datasets", "Reporting", "NeuralNet", "Quantization", "TFHE", "ModelImport", "FileInput",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "lockstep",
            dependencies: [
                "Experiments", "TFHE", "NoiseAnalysis", "GSLStatistics", "Reporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: targetsHaswell ? [.define("LOCKSTEP_HASWELL_KERNELS", .when(configuration: .release))] : []
        ),

        // Fuzz harnesses: every user-file entry point, driven by bytes (Tests/FuzzCorpus/README.md).
        .target(name: "FuzzTargets", dependencies: ["Experiments", "Circuit", "Datasets", "ModelImport", "NeuralNet", "Quantization", "Reporting", "TFHE"]),
        .executableTarget(name: "lockstep-fuzz", dependencies: ["FuzzTargets"]),

        .testTarget(name: "TFHETests", dependencies: ["TFHE"]),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(name: "FileInputTests", dependencies: ["FileInput"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "NeuralNet"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "CircuitTests", dependencies: ["Circuit", "Quantization", "NeuralNet", "TFHE", "Verification"]),
        .testTarget(name: "GSLStatisticsTests", dependencies: ["GSLStatistics", "SeededRandom"]),
        .testTarget(name: "NoiseAnalysisTests", dependencies: ["NoiseAnalysis", "TFHE", "GSLStatistics", "SeededRandom"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments"]),
        .testTarget(name: "ModelImportTests", dependencies: ["ModelImport", "NeuralNet", "Datasets"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
    ]
)
