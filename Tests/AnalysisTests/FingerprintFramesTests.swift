import Testing
@testable import Analysis

/// A baseline fingerprint leaves out the frame numbers a finding's message cites. The byte scan
/// (`framesCitedRemoved`) must do exactly what the expression it replaced did, so that baselines
/// written before keep matching.
@Suite struct FingerprintFramesTests {
    nonisolated(unsafe) static let expression = /\bframes? \d+(?:(?:,| vs frame | and )\d+)*/

    static let messages = [
        "PUBACK for packet id 7, which the PUBLISH in frame 12 sent at QoS 0",
        "frames 3,4,5 repeat the SUBSCRIBE",
        "frame 5 vs frame 9: overlapping bytes differ",
        "the CONNECT in frame 2 and 3 was answered twice",
        "frames 3, 4 (a comma and a space: only the first number goes)",
        "no frame here", "frame", "frame ", "frame x", "frames", "frames 1", "(frame 77)",
        "reframe 12 is not a citation", "xframe 1", "_frame 1", "éframe 1", "frame 1 vs frame x",
        "frame 1 and", "frame 1,", "frame 1 vs frame 2 and 3,4 vs frame 5 end", "frame 12frame 13",
        "Frame 12 keeps its capital", "ends with frame 99",
    ]

    @Test func sameAsTheExpression() {
        for m in Self.messages {
            #expect(framesCitedRemoved(m) == m.replacing(Self.expression, with: "frame"), "\(m)")
        }
    }
}
