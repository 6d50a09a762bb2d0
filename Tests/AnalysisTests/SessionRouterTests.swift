import Testing
@testable import Analysis
import MQTTCodec
import TCPReassembly
import WireCore

/// The router driven directly with reassembly's calls, for paths no bundled capture takes.
@Suite struct SessionRouterTests {
    struct Recorder: AnalysisSink {
        var events: [StreamEventReport] = []
        var packets: [MQTTPacketEvent] = []
        mutating func streamEvent(_ event: StreamEventReport) { events.append(event) }
        mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
            if case .mqtt(let event) = unit { packets.append(event) }
        }
    }

    static let info = ConnectionInfo(
        id: 0, client: Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 40000),
        server: Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 1883), roleBasis: .syn, sawHandshake: true)

    /// The first three bytes of a 14-byte CONNECT are too few to decide the protocol, so they are
    /// held; a gap then decides by port. The held bytes must reach the MQTT framer before the gap:
    /// it then reports the CONNECT (offsets 0..<14) lost in the gap, and frames the PINGREQ after it.
    @Test func heldSniffBytesAreFlushedBeforeAGap() {
        var router = SessionRouter(sink: Recorder(), options: AnalysisOptions())
        router.connectionOpened(Self.info, frame: 1, time: .zero)
        let head: [UInt8] = [0x10, 0x0C, 0x00]
        router.streamData(0, .clientToServer, offset: 0, bytes: head.span, frame: 2, time: .zero)
        router.streamGap(0, .clientToServer, range: StreamRange(3, 14), cause: .notCaptured, frame: 3, time: .zero)
        let ping: [UInt8] = [0xC0, 0x00]
        router.streamData(0, .clientToServer, offset: 14, bytes: ping.span, frame: 4, time: .zero)
        router.connectionClosed(Self.info, stats: ConnectionStats(), reason: .fin, frame: 5, time: .zero)
        let lost = router.sink.events.filter { $0.rule == MQTTRule.pduLostInGap.id }
        #expect(lost.map(\.range) == [StreamRange(0, 14)])
        #expect(router.sink.packets.count == 1)
        if case .pingreq? = router.sink.packets.first?.message {} else { Issue.record("no PINGREQ after the gap") }
    }
}
