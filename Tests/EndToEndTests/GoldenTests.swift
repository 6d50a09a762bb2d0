import Foundation
import Testing
import TestSupport

/// Exact snapshots of `read -V` and `streams` for every bundled capture. A difference fails.
/// Re-recording is an explicit act: `RECORD_GOLDENS=1 swift test --filter GoldenTests` rewrites
/// Fixtures/golden/ and FAILS the run, so a re-recorded golden is never committed by accident
/// of a green run; review the diff, then run the tests again without the variable.
@Suite struct GoldenTests {
    static var captures: [String] {
        Paths.captureFiles(under: Paths.captures)
            .map { String($0.path.dropFirst(Paths.root.path.count + 1)) }
            .filter { !$0.hasSuffix("not-a-capture.pcap") && !$0.hasSuffix("unsupported-linktype.pcap") }
    }

    static func goldenURL(_ capture: String, _ kind: String) -> URL {
        let stem = capture.replacingOccurrences(of: "captures/", with: "").replacingOccurrences(of: "/", with: "-")
        return Paths.fixtures.appendingPathComponent("golden/\(stem).\(kind).txt")
    }

    @Test("read -V and streams match their goldens", arguments: captures)
    func matchesGolden(_ capture: String) throws {
        let read = try runProcess(Paths.executable.path, ["read", "-V", capture], in: Paths.root)
        let streams = try runProcess(Paths.executable.path, ["streams", capture], in: Paths.root)
        for (kind, result) in [("read", read), ("streams", streams)] {
            let text = result.out + (result.err.isEmpty ? "" : "--- stderr\n" + result.err)
            #expect(!text.contains(Paths.root.path), "output must not hold absolute paths")
            try checkGolden(text, Self.goldenURL(capture, kind))
        }
    }

    @Test func outputIsDeterministic() throws {
        let capture = "captures/mqtt5-paho.pcap"
        let a = try runProcess(Paths.executable.path, ["read", "--format", "json", "-V", capture], in: Paths.root)
        let b = try runProcess(Paths.executable.path, ["read", "--format", "json", "-V", capture], in: Paths.root)
        #expect(a.status == 0 && a.out == b.out && !a.out.isEmpty)
    }
}
