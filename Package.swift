// swift-tools-version: 6.1
import PackageDescription

// One module per pipeline stage: inventory → resolve → fetch → scan → rules → report,
// wired by ICPAudit; the CLI is a thin layer on top.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "icpaudit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "icpaudit", targets: ["icpaudit"]),
        .library(name: "ICPAudit", targets: ["ICPAudit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),
        .systemLibrary(name: "CXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CPSL", pkgConfig: "libpsl", providers: [.apt(["libpsl-dev"])]),
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),

        .target(name: "ICPModel"),
        // The number grammar of SPEC, for pages and inventory rows alike.
        .target(name: "ICPNumbers", dependencies: ["ICPModel"], swiftSettings: hotPath),
        // Host names: IDN to punycode (libidn2), registrable domains (libpsl).
        .target(name: "ICPDomains", dependencies: ["ICPModel", "CPSL", "CIDN2"]),
        .target(name: "ICPInventory", dependencies: ["ICPModel", "ICPNumbers", "ICPDomains"]),
        .systemLibrary(name: "CSysEvent"),
        .target(name: "ICPLoop", dependencies: ["CSysEvent"]),
        .target(name: "ICPResolve", dependencies: ["ICPLoop", "ICPModel", "CAres"]),
        .target(name: "ICPFetch", dependencies: ["ICPLoop", "ICPModel", "CCurl"]),
        // The per-chunk scan path: its classes are confined to one loop thread, so dynamic
        // exclusivity checks (a thread-local lookup per property access) buy nothing there.
        .target(name: "CUTF8"),
        // risk-words.tsv: the risk words of CONTENT_RISK_WORDS, as data (the project's own list).
        .target(name: "ICPScan", dependencies: ["ICPModel", "ICPNumbers", "CXML2", "CUTF8"], resources: [.embedInCode("risk-words.tsv")], swiftSettings: hotPath),
        // The judge: SPEC's rules over what was observed; pure, no I/O.
        // placeholders.tsv: the signatures of default and placeholder pages (PAGE_PLACEHOLDER), as data;
        // cdn-catalogue.tsv: CDN CNAME suffixes and edge ranges (IP_VIA_CDN), as data.
        .target(name: "ICPRules", dependencies: ["ICPModel", "ICPNumbers", "ICPDomains"], resources: [.embedInCode("placeholders.tsv"), .embedInCode("cdn-catalogue.tsv")]),
        // details.tsv: every finding's detail in Chinese and English, as data beside the notices.
        .target(name: "ICPReport", dependencies: ["ICPModel", "CXLSXWriter"], resources: [.embedInCode("details.tsv")]),
        // Headless Chromium over the DevTools pipe, for pages that scripts draw.
        .target(name: "ICPRender", dependencies: ["ICPModel", "ICPScan", "ICPLoop"]),
        .target(name: "ICPAudit", dependencies: [
            "ICPModel", "ICPNumbers", "ICPDomains", "ICPInventory", "ICPLoop", "ICPResolve", "ICPFetch", "ICPScan", "ICPRules", "ICPReport", "ICPRender",
        ]),
        .executableTarget(name: "icpaudit", dependencies: [
            "ICPAudit", "ICPInventory", "ICPModel", "ICPReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer targets (scripts/fuzz); built plainly, it replays saved inputs.
        .executableTarget(name: "icpaudit-fuzz", dependencies: ["ICPModel", "ICPScan", "ICPNumbers", "ICPRules", "ICPInventory"], path: "Sources/ICPFuzz"),

        // `swift package benchmark` (scripts/bench-scan): the scanner against bare libxml2 SAX.
        .target(name: "BareSAX", dependencies: ["CXML2"], path: "Benchmarks/BareSAX"),
        .executableTarget(
            name: "ScanBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "BareSAX", "ICPScan", "ICPRules", "ICPReport", "ICPModel"],
            path: "Benchmarks/ScanBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),

        .testTarget(name: "ICPRulesTests", dependencies: ["ICPRules", "ICPNumbers", "ICPScan", "ICPModel", "ICPReport"]),
        .testTarget(name: "ICPScanTests", dependencies: ["ICPScan", "ICPModel"]),
        .testTarget(name: "ICPInventoryTests", dependencies: ["ICPInventory", "ICPDomains", "ICPModel", "ICPNumbers"]),
        .testTarget(name: "ICPReportTests", dependencies: ["ICPReport", "ICPModel"]),
        .testTarget(name: "ICPAuditTests", dependencies: ["ICPAudit", "ICPFetch", "ICPResolve", "ICPLoop", "ICPModel", "ICPRules", "ICPReport"]),
        .testTarget(name: "ICPRenderTests", dependencies: ["ICPRender", "ICPModel"]),
        .testTarget(name: "IntegrationTests", dependencies: ["ICPModel", "ICPReport"]),
    ]
)
