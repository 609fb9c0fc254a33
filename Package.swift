// swift-tools-version: 6.1
// synk: facial surface-EMG analysis (synkinesis, nerve conduction) as a Swift library and CLI.
import PackageDescription

// Data flows one way; a module imports only modules listed before it:
// C libraries (and CSynkKernels) → SynkCore → SynkIO → SynkDSP → SynkAnalysis → SynkMeasure → SynkSim
//   → SynkReport → SynkBatch → Synk (the umbrella: re-exports the public modules) → SynkCLI (the `synk` command).
let package = Package(
    name: "synk",
    platforms: [.macOS(.v14)],
    products: [
        // One import for library users: `import Synk`.
        .library(name: "Synk", targets: ["Synk"]),
        // The modules one by one, for users who want less.
        .library(name: "SynkCore", targets: ["SynkCore"]),
        .library(name: "SynkIO", targets: ["SynkIO"]),
        .library(name: "SynkDSP", targets: ["SynkDSP"]),
        .library(name: "SynkAnalysis", targets: ["SynkAnalysis"]),
        .library(name: "SynkMeasure", targets: ["SynkMeasure"]),
        .library(name: "SynkSim", targets: ["SynkSim"]),
        .library(name: "SynkReport", targets: ["SynkReport"]),
        .library(name: "SynkBatch", targets: ["SynkBatch"]),
        .executable(name: "synk", targets: ["SynkCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation` (the DocC catalog in Sources/Synk/Synk.docc); build only.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System libraries: each behind a module map and a shim header (pkg-config names as in Debian).
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CEDFLib", providers: [.apt(["libedf-dev"])]),
        // synk's own hand-vectorised loops (AVX2+FMA, chosen at run time; the Swift loops are the fallback).
        .target(name: "CSynkKernels"),

        .target(name: "SynkCore", dependencies: ["CSynkKernels"]),
        .target(name: "SynkIO", dependencies: ["SynkCore", "CSndFile", "CHDF5", "CEDFLib"]),
        .target(name: "SynkDSP", dependencies: ["SynkCore", "CFFTW", "CSynkKernels"]),
        .target(name: "SynkAnalysis", dependencies: ["SynkCore", "SynkDSP", "CSynkKernels"]),
        // File in, complete result out: the one wiring every front end (CLI, batch, report, Swift users) calls.
        .target(name: "SynkMeasure", dependencies: ["SynkCore", "SynkIO", "SynkDSP", "SynkAnalysis"]),
        .target(name: "SynkSim", dependencies: ["SynkCore"]),
        .target(name: "SynkReport", dependencies: ["SynkCore", "SynkAnalysis", "SynkMeasure"]),
        .target(name: "SynkBatch", dependencies: ["SynkCore", "SynkIO", "SynkDSP", "SynkAnalysis", "SynkMeasure", "SynkReport"]),
        .target(name: "Synk", dependencies: ["SynkCore", "SynkIO", "SynkDSP", "SynkAnalysis", "SynkMeasure", "SynkSim", "SynkReport", "SynkBatch"]),
        .executableTarget(
            name: "SynkCLI",
            dependencies: [
                "Synk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "SynkCoreTests", dependencies: ["SynkCore"]),
        .testTarget(name: "SynkIOTests", dependencies: ["SynkCore", "SynkIO", "CHDF5"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SynkDSPTests", dependencies: ["SynkCore", "SynkDSP", "CSynkKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SynkAnalysisTests", dependencies: ["SynkCore", "SynkDSP", "SynkAnalysis", "SynkSim"], exclude: ["Fixtures"]),
        .testTarget(name: "SynkMeasureTests", dependencies: ["Synk"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SynkSimTests", dependencies: ["SynkCore", "SynkDSP", "SynkIO", "SynkSim"]),
        .testTarget(name: "SynkReportTests", dependencies: ["SynkCore", "SynkAnalysis", "SynkReport"]),
        .testTarget(name: "SynkBatchTests", dependencies: ["SynkCore", "SynkIO", "SynkAnalysis", "SynkSim", "SynkReport", "SynkBatch"]),
        // Runs the built `synk` binary as a user would: exit codes, one-line errors, outputs.
        .testTarget(name: "SynkCLITests", dependencies: ["SynkCLI", "SynkCore", "SynkIO", "SynkSim", "CHDF5"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
