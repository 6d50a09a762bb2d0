import Testing
import WireCore
@testable import MQTTCodec
import TestSupport

@Suite("Variable Byte Integer and UTF-8 strings")
struct VBIAndUTF8Tests {
    static let cases: [([UInt8], MQTTVBI.Result)] = [
        ([0x00], .value(0, length: 1, minimal: true)),
        ([0x7F], .value(127, length: 1, minimal: true)),
        ([0x80, 0x01], .value(128, length: 2, minimal: true)),
        ([0xFF, 0x7F], .value(16_383, length: 2, minimal: true)),
        ([0x80, 0x80, 0x01], .value(16_384, length: 3, minimal: true)),
        ([0xFF, 0xFF, 0xFF, 0x7F], .value(268_435_455, length: 4, minimal: true)),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0x01], .tooLong),
        ([0xFF, 0xFF, 0xFF, 0xFF], .tooLong),
        ([0x80, 0x00], .value(0, length: 2, minimal: false)),
        ([0xFF, 0x80, 0x00], .value(127, length: 3, minimal: false)),
        ([0x80], .needMore),
        ([], .needMore),
    ]

    @Test("VBI edge cases", arguments: 0..<cases.count)
    func vbi(_ i: Int) {
        let (bytes, want) = Self.cases[i]
        let got = bytes.withUnsafeBufferPointer { MQTTVBI.decode($0.span, at: 0) }
        #expect(got == want, "\(bytes)")
    }

    @Test func vbiRespectsLimit() {
        let bytes: [UInt8] = [0x80, 0x01]
        let got = bytes.withUnsafeBufferPointer { MQTTVBI.decode($0.span, at: 0, limit: 1) }
        #expect(got == .needMore)
        for v: UInt32 in [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455] {
            let enc = PacketBuilder.vbi(Int(v))
            #expect(enc.withUnsafeBufferPointer { MQTTVBI.decode($0.span, at: 0) }
                    == .value(v, length: enc.count, minimal: true))
        }
    }

    @Test func remainingLengthTooLongInDecoder() {
        let (m, tree, diags) = PacketBuilder.decode([0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .v3_1_1)
        #expect(m == .malformed)
        #expect(diags.map(\.rule) == [MQTTRule.remainingLengthTooLong.id])
        #expect(tree.nodes.allSatisfy { $0.range.upper <= 6 })
    }

    /// A PUBLISH whose topic is `topic`; returns the diagnostics.
    func topicDiagnostics(_ topic: [UInt8], _ v: MQTTVersion) -> [Diagnostic] {
        let body = [UInt8(topic.count >> 8), UInt8(topic.count & 0xFF)] + topic + (v == .v5 ? [0x00] : [])
        return PacketBuilder.decode(PacketBuilder.packet(0x30, body), v).2
    }

    static let invalid: [[UInt8]] = [
        [0xC0, 0x80],              // overlong NUL
        [0xE0, 0x80, 0x80],        // overlong
        [0xED, 0xA0, 0x80],        // surrogate U+D800
        [0xF4, 0x90, 0x80, 0x80],  // > U+10FFFF
        [0x80],                    // lone continuation
        [0xE2, 0x82],              // truncated sequence
        [0xFF],
    ]

    @Test("invalid UTF-8 is reported at its first byte", arguments: 0..<invalid.count)
    func invalidUTF8(_ i: Int) {
        let topic: [UInt8] = [0x61, 0x2F] + Self.invalid[i]
        for v in MQTTVersion.allCases {
            let d = topicDiagnostics(topic, v)
            #expect(d.map(\.rule) == [MQTTRule.pick(v, .utf8Invalid311, .utf8Invalid5).id], "\(v)")
            #expect(d.first?.range == ByteRange(6, 7))
            #expect(d.first?.severity == (v == .v3_1 ? .warning : .error))
        }
    }

    @Test func nullCharacter() {
        for v in MQTTVersion.allCases {
            let d = topicDiagnostics([0x61, 0x00, 0x62], v)
            #expect(d.map(\.rule) == [MQTTRule.pick(v, .utf8Null311, .utf8Null5).id])
            #expect(d.first?.range == ByteRange(5, 6))
        }
    }

    @Test func validMultibyteAndBOM() {
        // "é/€/😀" and a U+FEFF BOM are valid.
        let topic: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("é/€/😀".utf8)
        for v in MQTTVersion.allCases { #expect(topicDiagnostics(topic, v).isEmpty) }
    }

    @Test func wildcardInTopicName() {
        let d = topicDiagnostics(Array("a/+/b".utf8), .v3_1_1)
        #expect(d.map(\.rule) == [MQTTRule.publishTopicWildcard311.id] && d.first?.range == ByteRange(6, 7))
    }

    @Test func userPropertyUTF8UsesPairRule() {
        let props: [UInt8] = [0x26, 0x00, 0x01, 0xC0, 0x00, 0x01, 0x61]
        let d = PacketBuilder.decode(PacketBuilder.packet(for: .publish, props: props)).2
        #expect(d.map(\.rule) == [MQTTRule.userPropertyUTF8.id])
    }
}
