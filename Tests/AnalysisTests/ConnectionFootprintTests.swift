import Testing
@testable import Analysis
@testable import TCPReassembly
import MQTTCodec
import STOMPCodec
import WireCore

/// The memory a connection holds while it is open or after it closed (issue 12: an idle or
/// half-open connection's state stays small). The strides are what every open connection
/// pays; the bounds fail when a field makes them grow.
@Suite struct ConnectionFootprintTests {
    struct Nothing: AnalysisSink {}

    @Test func strides() {
        let sizes: [(String, Int)] = [
            ("Connection", MemoryLayout<TCPReassembly.Connection>.stride),
            ("HalfStream", MemoryLayout<HalfStream>.stride),
            ("ConnectionInfo", MemoryLayout<ConnectionInfo>.stride),
            ("RouterSlot", MemoryLayout<LayerRouter<Nothing, StandardLayers>.Slot>.stride),
            ("ConnectionContext", MemoryLayout<ConnectionContext>.stride),
            ("MQTTSession", MemoryLayout<MQTTSession>.stride),
            ("STOMPSessionNegotiation", MemoryLayout<STOMPSessionNegotiation>.stride),
            ("TLSSummary?", MemoryLayout<TLSSummary?>.stride),
            ("StandardLayers", MemoryLayout<StandardLayers>.stride),
            ("TLSLayer", MemoryLayout<TLSLayer>.stride),
            ("WebSocketLayer", MemoryLayout<WebSocketLayer>.stride),
            ("STOMPLayer", MemoryLayout<STOMPLayer>.stride),
            ("MQTTFramer", MemoryLayout<MQTTFramer>.stride),
            ("ConnectionSummary", MemoryLayout<ConnectionSummary>.stride),
            ("CheckState", MemoryLayout<CheckReport.ConnectionState>.stride),
            ("CheckConnection", MemoryLayout<CheckReport.Connection>.stride),
        ]
        for (name, size) in sizes { print("footprint \(name) \(size)") }
        // What every open connection pays, whatever it carries (issue 12: ≤ 300 bytes for an idle or
        // half-open one). Before: Connection 536 bytes, a router slot with 4 inline layer levels of
        // 744 bytes each and 2 MQTT framers per slot.
        #expect(MemoryLayout<TCPReassembly.Connection>.stride <= 264)
        #expect(MemoryLayout<HalfStream>.stride <= 80)
        #expect(MemoryLayout<StandardLayers>.stride <= 16)
        #expect(MemoryLayout<ConnectionSummary>.stride <= 264)
        // check's state of a connection (was 976 bytes: three checkers inline, five small arrays).
        #expect(MemoryLayout<CheckReport.ConnectionState>.stride <= 256)
    }
}
