// swift-tools-version: 6.2
// mqscope: an MQTT / STOMP protocol analyzer and conformance checker.
// One target per pipeline stage; see README.md ("Architecture").
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // The pipeline is generic over its sink (no existentials); full cross-module optimisation
    // lets release builds specialise it across the stage modules.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "mqscope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mqscope", targets: ["mqscope"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // TLS decryption primitives (AES-GCM, ChaCha20-Poly1305, HKDF, HMAC, SHA-2; AES-CBC in _CryptoExtras)
        // and the X.509 parser for TLS 1.2 certificates: see README "Dependencies".
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // libpcap (and zlib, for .pcap.gz), seen only by PacketCapture.
        .systemLibrary(
            name: "CLibpcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev", "zlib1g-dev"])]),
        // Shared vocabulary: byte ranges, field trees, diagnostics, frames, directions.
        .target(name: "WireCore", swiftSettings: strict),
        // Stage 1: capture files and live interfaces (libpcap).
        // zlib behind a stdio cookie, for .pcap.gz/.pcapng.gz (C, so _GNU_SOURCE stays out of Swift's view).
        .target(name: "CGzipFile", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "PacketCapture", dependencies: ["WireCore", "CLibpcap", "CGzipFile"], swiftSettings: strict),
        // Stage 2: link / IP / TCP headers.
        .target(name: "PacketLayers", dependencies: ["WireCore"], swiftSettings: strict),
        // Stage 3: TCP stream reassembly.
        .target(name: "TCPReassembly", dependencies: ["WireCore", "PacketLayers"], swiftSettings: strict),
        // Stage 4: protocol decoders (bytes in, annotated field trees out).
        .target(name: "MQTTCodec", dependencies: ["WireCore"], swiftSettings: strict),
        .target(name: "STOMPCodec", dependencies: ["WireCore"], swiftSettings: strict),
        .target(name: "WebSocketCodec", dependencies: ["WireCore"], swiftSettings: strict),
        // TLS: record framing, handshake decoding, key logs, key schedule and record decryption.
        .target(
            name: "TLSCodec",
            dependencies: [
                "WireCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict),
        // Stage 5: the conformance checker (rule catalog, per-connection state machines).
        .target(name: "Conformance", dependencies: ["WireCore", "TCPReassembly", "MQTTCodec", "STOMPCodec", "WebSocketCodec", "TLSCodec"], swiftSettings: strict),
        // Stage 6: renderers (know field trees, not protocols).
        .target(name: "Rendering", dependencies: ["WireCore"], swiftSettings: strict),
        // Display filters (-Y) and field columns (-T fields -e): compiled once, evaluated per unit.
        .target(
            name: "DisplayFilters", dependencies: ["WireCore", "MQTTCodec", "STOMPCodec", "WebSocketCodec", "TLSCodec", "Rendering"],
            swiftSettings: strict),
        // The pipeline driver: wires the stages, detects protocols.
        .target(
            name: "Analysis",
            dependencies: [
                "WireCore", "PacketCapture", "PacketLayers", "TCPReassembly", "MQTTCodec", "STOMPCodec", "WebSocketCodec",
                "TLSCodec", "Conformance", "Rendering", "DisplayFilters",
            ],
            swiftSettings: strict),
        // Consumers of the analysis: whole-capture statistics (`stats`) and the HTML report (`report`).
        .target(
            name: "Statistics",
            dependencies: ["WireCore", "Analysis", "MQTTCodec", "STOMPCodec", "TCPReassembly", "PacketLayers", "Rendering",
                           .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strict),
        .target(
            name: "HTMLReport",
            dependencies: ["WireCore", "Analysis", "Statistics", "MQTTCodec", "STOMPCodec", "Conformance", "Rendering", "TCPReassembly"],
            swiftSettings: strict),
        // `live --metrics`: Prometheus metrics (swift-prometheus) served over HTTP (FlyingFox).
        .target(
            name: "LiveMetrics",
            dependencies: ["WireCore", "Analysis", "Statistics", "MQTTCodec", "STOMPCodec", "TCPReassembly",
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox")],
            swiftSettings: strict),
        .executableTarget(
            name: "mqscope",
            dependencies: [
                "Analysis", "Statistics", "HTMLReport", "LiveMetrics", "Rendering", "WireCore", "TCPReassembly", "PacketCapture",
                "PacketLayers", "MQTTCodec", "Conformance", "DisplayFilters", "TLSCodec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // libFuzzer targets: `scripts/fuzz.sh <name> <seconds>` builds them with -sanitize=fuzzer and
        // -D FUZZING; a plain build makes them replayers of saved inputs.
        .target(name: "ReplayInputs", swiftSettings: strict),
        .executableTarget(
            name: "FuzzPacketLayers", dependencies: ["PacketLayers", "ReplayInputs"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzReassembly", dependencies: ["TCPReassembly", "PacketLayers", "WireCore", "ReplayInputs"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzMQTT", dependencies: ["MQTTCodec", "WireCore", "ReplayInputs"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzTLS", dependencies: ["TLSCodec", "WireCore", "ReplayInputs"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzCapture",
            dependencies: ["Analysis", "Statistics", "HTMLReport", "PacketCapture", "Rendering", "WireCore", "ReplayInputs"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzSTOMPWebSocket",
            dependencies: ["STOMPCodec", "WebSocketCodec", "Conformance", "WireCore", "ReplayInputs"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),

        // Helpers every test target shares (a seeded random generator).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "WireCoreTests", dependencies: ["WireCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PacketLayersTests", dependencies: ["PacketLayers", "PacketCapture", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TCPReassemblyTests", dependencies: ["TCPReassembly", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MQTTCodecTests", dependencies: ["MQTTCodec", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "STOMPCodecTests", dependencies: ["STOMPCodec", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "WebSocketCodecTests", dependencies: ["WebSocketCodec", "TestSupport"], swiftSettings: strict),
        // _CryptoExtras (AES-CBC) only seals the CBC records TLSCodec must open, as an independent oracle.
        .testTarget(name: "TLSCodecTests", dependencies: ["TLSCodec", "WireCore", "TestSupport",
                                                         .product(name: "_CryptoExtras", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis"], swiftSettings: strict),
        .testTarget(name: "DisplayFiltersTests", dependencies: ["DisplayFilters", "Analysis", "WireCore", "MQTTCodec", "Rendering"], swiftSettings: strict),

        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Analysis", "PacketCapture", "PacketLayers", "TCPReassembly", "MQTTCodec", "STOMPCodec", "WebSocketCodec",
                "Rendering", "WireCore", "TestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["Conformance", "MQTTCodec", "STOMPCodec", "WebSocketCodec", "Analysis", "WireCore", "TestSupport"],
            swiftSettings: strict),
    ]
)
