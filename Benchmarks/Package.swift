// swift-tools-version: 6.1
// Benchmarks of synk, kept out of the main package so that its build stays light.
//   cd Benchmarks && swift package benchmark                      # every benchmark (release build)
//   cd Benchmarks && swift package benchmark --target CorrelationKernel
//   Benchmarks/ci-kernel-check.sh                                 # the CI regression gate (instructions)
//   Benchmarks/peer/run.sh                                        # synk vs a scipy pipeline on 1 h / 2 h
import PackageDescription

// A path dependency's identity is its directory's name (`synk`, `main`, a worktree's name…), so it is derived
// from where this manifest lives rather than written out.
let synk = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "synk").lowercased()

let benchmarkPlugin: Target.PluginUsage = .plugin(name: "BenchmarkPlugin", package: "package-benchmark")

let package = Package(
    name: "synk-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Deterministic synthetic envelopes and EMG shared by the benchmarks and the peer tool.
        .target(name: "BenchSupport", dependencies: [.product(name: "SynkCore", package: synk)], path: "Support"),
        .executableTarget(
            name: "CorrelationKernel",
            dependencies: ["BenchSupport", .product(name: "SynkAnalysis", package: synk),
                           .product(name: "Benchmark", package: "package-benchmark")],
            path: "Benchmarks/CorrelationKernel", plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "Conditioning",
            dependencies: ["BenchSupport", .product(name: "SynkDSP", package: synk),
                           .product(name: "Benchmark", package: "package-benchmark")],
            path: "Benchmarks/Conditioning", plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "Synkinesis",
            dependencies: ["BenchSupport", .product(name: "SynkAnalysis", package: synk),
                           .product(name: "Benchmark", package: "package-benchmark")],
            path: "Benchmarks/Synkinesis", plugins: [benchmarkPlugin]),
    ],
    swiftLanguageModes: [.v6]
)
