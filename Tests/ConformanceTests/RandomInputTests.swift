import Testing
import WireCore
import MQTTCodec
import Conformance
import TestSupport

/// Untrusted bytes never trap the checker: random and mutated packets, both directions, all versions.
@Suite struct RandomInputTests {
    static let seeds: [[UInt8]] = [
        P.connect(), P.connect(id: "", flags: 0xC6, v5: true, props: [0x11] + P.u32(1) + [0x22] + P.u16(3)),
        P.connack(), P.connack(v5: true, props: [0x21] + P.u16(1) + [0x22] + P.u16(2) + [0x27] + P.u32(30)),
        P.publish(qos: 1, id: 1), P.publish("", qos: 2, id: 2, v5: true, props: [0x23] + P.u16(1) + [0x01, 1]),
        P.puback(1), P.pubrec(2), P.pubrel(2), P.pubcomp(2),
        P.subscribe([("a/+/#", 1), ("$share/g/x", 4)], v5: true), P.suback([0, 1, 0x80]),
        P.unsubscribe(["a", "b"]), P.unsuback([0], v5: true), P.pingreq, P.pingresp, P.disconnect,
        P.disconnect5(0x8E, props: [0x11] + P.u32(9)), P.auth(0x18, props: [0x15] + P.str("m")),
    ]

    @Test(arguments: [MQTTVersion.v3_1, .v3_1_1, .v5])
    func randomSequencesNeverTrap(_ version: MQTTVersion) {
        var rng = SeededRNG(seed: UInt64(version.rawValue) &* 7919)
        var total = 0
        for _ in 0..<200 {
            var steps: [Step] = []
            for n in 0..<Int.random(in: 1...30, using: &rng) {
                var bytes = Self.seeds.randomElement(using: &rng)!
                // Mutate a few bytes, sometimes truncate.
                for _ in 0..<Int.random(in: 0...3, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng), bytes.count > 1 { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng)) }
                let d: Direction = Bool.random(using: &rng) ? .clientToServer : .serverToClient
                if n % 11 == 10 { steps.append(.gap(d, Int.random(in: 1...50, using: &rng))); continue }
                steps.append(Step(direction: d, bytes: bytes, time: Double(n) * Double.random(in: 0...40, using: &rng), gap: 0))
            }
            let f = Scenario(version, sawStart: Bool.random(using: &rng), closed: Bool.random(using: &rng), steps).run()
            total += f.count
            for x in f {
                #expect(!x.message.isEmpty)
                if let r = x.packetRange { #expect(r.lower <= r.upper) }
            }
        }
        #expect(total > 0, "random input should trip some rules")
    }
}
