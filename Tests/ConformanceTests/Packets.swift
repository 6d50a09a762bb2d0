import WireCore
import MQTTCodec
import Conformance
import TestSupport

/// Builds MQTT packets as bytes for the fixtures (the checker sees them only through the decoder).
typealias P = MQTTWire

extension MQTTWire {
    /// "30 05 …" → bytes.
    static func hex(_ s: String) -> [UInt8] {
        var out = [UInt8]()
        var digits = [UInt8]()
        for c in s.utf8 where c != 32 {
            digits.append(c)
            if digits.count == 2 {
                out.append(UInt8(String(decoding: digits, as: UTF8.self), radix: 16)!)
                digits.removeAll()
            }
        }
        return out
    }

    // 3.1.1 (and 5.0 with `v5`)
    static func connect(id: String = "c", flags: UInt8 = 0x02, keepAlive: UInt16 = 60, v5: Bool = false,
                        props p: [UInt8] = []) -> [UInt8] {
        packet(0x10, str("MQTT") + [v5 ? 5 : 4, flags] + u16(keepAlive) + (v5 ? props(p) : []) + str(id))
    }
    static func connack(code: UInt8 = 0, sessionPresent: Bool = false, v5: Bool = false, props p: [UInt8] = []) -> [UInt8] {
        packet(0x20, [sessionPresent ? 1 : 0, code] + (v5 ? props(p) : []))
    }
    static func publish(_ topic: String = "t", qos: UInt8 = 0, id: UInt16 = 1, dup: Bool = false, retain: Bool = false,
                        v5: Bool = false, props p: [UInt8] = [], payload: [UInt8] = Array("hi".utf8)) -> [UInt8] {
        let b0: UInt8 = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0)
        return packet(b0, str(topic) + (qos > 0 ? u16(id) : []) + (v5 ? props(p) : []) + payload)
    }
    static func ack(_ type: UInt8, _ id: UInt16) -> [UInt8] { packet(type == 6 ? 0x62 : type << 4, u16(id)) }
    static func puback(_ id: UInt16) -> [UInt8] { ack(4, id) }
    static func pubrec(_ id: UInt16) -> [UInt8] { ack(5, id) }
    static func pubrel(_ id: UInt16) -> [UInt8] { ack(6, id) }
    static func pubcomp(_ id: UInt16) -> [UInt8] { ack(7, id) }
    static func ack5(_ type: UInt8, _ id: UInt16, code: UInt8 = 0, props p: [UInt8]) -> [UInt8] {
        packet(type == 6 ? 0x62 : type << 4, u16(id) + [code] + props(p))
    }
    static func subscribe(_ filters: [(String, UInt8)], id: UInt16 = 1, v5: Bool = false, props p: [UInt8] = []) -> [UInt8] {
        var body = u16(id) + (v5 ? props(p) : [])
        for (f, o) in filters { body += str(f) + [o] }
        return packet(0x82, body)
    }
    static func suback(_ codes: [UInt8], id: UInt16 = 1, v5: Bool = false) -> [UInt8] {
        packet(0x90, u16(id) + (v5 ? [0] : []) + codes)
    }
    static func unsubscribe(_ filters: [String], id: UInt16 = 1, v5: Bool = false) -> [UInt8] {
        var body = u16(id) + (v5 ? [0] : [])
        for f in filters { body += str(f) }
        return packet(0xA2, body)
    }
    static func unsuback(_ codes: [UInt8], id: UInt16 = 1, v5: Bool = false) -> [UInt8] {
        packet(0xB0, u16(id) + (v5 ? [0] + codes : []))
    }
    static let pingreq: [UInt8] = [0xC0, 0x00]
    static let pingresp: [UInt8] = [0xD0, 0x00]
    static let disconnect: [UInt8] = [0xE0, 0x00]
    static func disconnect5(_ code: UInt8 = 0, props p: [UInt8] = []) -> [UInt8] { packet(0xE0, [code] + props(p)) }
    static func auth(_ code: UInt8 = 0x18, props p: [UInt8] = []) -> [UInt8] { packet(0xF0, [code] + props(p)) }
}

/// One step of a fixture: a packet from one side at a capture time, or bytes lost in a gap.
struct Step {
    var direction: Direction
    var bytes: [UInt8]
    var time: Double
    var gap: Int

    static func c(_ b: [UInt8], at t: Double = 0) -> Step { Step(direction: .clientToServer, bytes: b, time: t, gap: 0) }
    static func s(_ b: [UInt8], at t: Double = 0) -> Step { Step(direction: .serverToClient, bytes: b, time: t, gap: 0) }
    static func gap(_ d: Direction, _ n: Int) -> Step { Step(direction: d, bytes: [], time: 0, gap: n) }
}

/// A packet sequence on one connection, run through the decoder and a fresh checker.
struct Scenario {
    var version: MQTTVersion
    var sawStart = true
    var steps: [Step]
    /// The connection closes (FIN/RST) at the end of the steps.
    var closed = false

    init(_ version: MQTTVersion, sawStart: Bool = true, closed: Bool = false, _ steps: [Step]) {
        self.version = version
        self.sawStart = sawStart
        self.closed = closed
        self.steps = steps
    }

    /// Frame numbers are step indices + 1.
    func run() -> [CheckFinding] {
        var checker = MQTTConnectionChecker(sawStart: sawStart)
        // The connection's topic-alias maps, as the analysis keeps them.
        var aliases = MQTTTopicAliases()
        var offsets: [UInt64] = [0, 0]
        var counts = [0, 0]
        var out: [CheckFinding] = []
        for (i, step) in steps.enumerated() {
            let d = Int(step.direction.rawValue)
            let frame = FrameNumber(i + 1)
            let time = Timestamp(seconds: 1_700_000_000 + Int64(step.time), nanoseconds: UInt32((step.time - step.time.rounded(.down)) * 1e9))
            if step.gap > 0 {
                let r = StreamRange(offsets[d], offsets[d] + UInt64(step.gap))
                checker.gap(step.direction, range: r, frame: frame, time: time, version: version)
                offsets[d] += UInt64(step.gap)
            } else {
                var tree = FieldTree()
                var diags = [Diagnostic]()
                let message = step.bytes.withUnsafeBufferPointer {
                    MQTTDecoder.decode($0.span, version: version, into: &tree, diagnostics: &diags)
                }
                var aliasKnown = false
                if case .publish(let p) = message {
                    aliasKnown = step.bytes.withUnsafeBufferPointer {
                        aliases.apply(p, pdu: $0.span, direction: step.direction).known
                    }
                }
                let range = StreamRange(offsets[d], offsets[d] + UInt64(step.bytes.count))
                let pos = PacketPosition(direction: step.direction, version: version, index: counts[d], time: time,
                                         streamRange: range, firstFrame: frame, lastFrame: frame,
                                         declaredSize: message.header?.packetSize ?? step.bytes.count,
                                         malformed: diags.contains { $0.severity == .error && $0.verdict == .violation },
                                         topicAliasKnown: aliasKnown)
                step.bytes.withUnsafeBufferPointer {
                    checker.packet(message, pdu: $0.span, at: pos)
                }
                offsets[d] += UInt64(step.bytes.count)
                counts[d] += 1
            }
            out += checker.findings
            checker.clearFindings()
        }
        checker.finish(closed: closed)
        out += checker.findings
        return out
    }
}
