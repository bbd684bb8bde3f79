// swift-tools-version:6.0
import Foundation
import PackageDescription

// The libFuzzer harness: one executable whose target parser is chosen by
// GATEHOUSE_FUZZ_TARGET. A package of its own, so that the product's build
// never needs the sanitizers: scripts/fuzz builds it with
// -sanitize=fuzzer,address. SwiftPM names a path dependency after its
// directory, which is whatever the clone is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "gatehouse-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "gatehouse-fuzz", dependencies: [.product(name: "GatehouseFuzzTargets", package: root)],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
