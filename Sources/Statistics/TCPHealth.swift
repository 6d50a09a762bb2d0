public import WireCore
public import PacketLayers
import TCPReassembly

/// Round-trip times and zero windows of one TCP connection, beside what reassembly counts
/// (retransmissions, gaps): the network's share of a latency, told from the broker's.
public struct TCPHealth: Sendable {
    /// The client's SYN to the server's SYN-ACK, and to the client's ACK that completed the
    /// handshake (tshark's `tcp.analysis.initial_rtt`), in ns, as the capture point saw them.
    public var synToSynAck: UInt64? = nil
    public var handshake: UInt64? = nil
    /// ACK round trips (tshark's `tcp.analysis.ack_rtt`): from a segment carrying data, SYN or FIN
    /// to the ACK whose number is exactly that segment's end, by the direction of the data
    /// (`.0` the client's, acknowledged by the server; `.1` the server's, acknowledged by the client).
    public var ackRTT = (RTTSummary(), RTTSummary())
    /// Segments advertising a zero receive window (RFC 9293 §3.8.6.2.1), sent by the client and by
    /// the server (SYN, FIN and RST segments aside, as tshark counts `tcp.analysis.zero_window`).
    public var zeroWindows: (UInt64, UInt64) = (0, 0)
    public init() {}
}

/// Count, minimum, maximum and sum of one connection's RTT samples (ns): constant size per
/// connection; the percentiles are kept across connections (`StatsCollector.latency`).
public struct RTTSummary: Sendable {
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt64 = 0
    public private(set) var maximum: UInt64 = 0
    public private(set) var sum: UInt64 = 0
    public init() {}
    mutating func record(_ ns: UInt64) {
        minimum = count == 0 ? ns : min(minimum, ns)
        maximum = max(maximum, ns)
        sum &+= ns
        count &+= 1
    }
    public var mean: UInt64 { count == 0 ? 0 : sum / count }
}

/// Follows every TCP segment of the capture for `TCPHealth`: per open connection, the segments
/// not yet acknowledged of each direction (at most `maxUnacked`, the oldest forgotten first) and
/// the handshake's times. Bounded: at most `maxFlows` connections are followed at once.
struct TCPHealthTracker {
    struct Unacked { var end: UInt32; var time: Timestamp }

    struct Flow {
        /// Direction 0 is the segments sent by `key.low`.
        var key: FlowKey
        var low: Endpoint { key.low }
        var unacked: ([Unacked], [Unacked]) = ([], [])
        /// Sender of the SYN (0 or 1; -1 none seen) and the handshake's times.
        var synSender = -1
        var synTime = Timestamp.zero
        var synAckTime: Timestamp? = nil
        /// The client's direction (0 or 1) once known: from the SYN or SYN-ACK, or for a connection
        /// picked up mid-stream from its first MQTT or STOMP packet (`roles`); -1 before.
        var clientDir = -1
        var health = TCPHealth()
        /// Samples by the direction of the data (0: sent by `low`).
        var rtt = (RTTSummary(), RTTSummary())
        var zero: (UInt64, UInt64) = (0, 0)
        var lastTime = Timestamp.zero
    }

    static let maxUnacked = 1024
    static let maxFlows = 1 << 18
    /// Flows whose connection never ends here (segments after it closed, of a connection the
    /// reassembly no longer follows) are forgotten after this much capture time without a segment.
    static let idleSeconds: Int64 = 600
    var sweepAt = 4096

    var flows: [Flow] = []
    /// 4-tuple → slot in `flows` (the reassembly's own index type: one probe of a small table
    /// per segment, where a `Dictionary` of endpoints hashed ten fields), and the last one found:
    /// a segment and its ACK share a key.
    var index = SlotIndex()
    var live: [Bool] = []
    var lastKey: FlowKey? = nil
    var lastSlot = 0
    var free: [Int] = []
    /// Connections not followed because `maxFlows` were open.
    var flowsNotFollowed: UInt64 = 0
    /// Samples of every connection: (data direction 0 = client's, 1 = server's), and handshakes.
    var ackRTT = (Distribution(), Distribution())
    var handshakes = Distribution()

    mutating func segment(_ s: borrowing TCPSegment, payload: Int, time: Timestamp) {
        let key = FlowKey(s.source, s.destination)
        let flags = s.flags
        let k: Int
        if let existing = slot(key) {
            k = existing
        } else {
            if index.count >= sweepAt { sweep(time) }
            guard index.count < Self.maxFlows else { flowsNotFollowed &+= 1; return }
            let f = Flow(key: key)
            if let i = free.popLast() {
                flows[i] = f; live[i] = true; k = i
            } else {
                flows.append(f); live.append(true); k = flows.count - 1
            }
            index.insert(slot: k, hash: key.mixed)
            lastKey = key
            lastSlot = k
        }
        flows[k].lastTime = time
        let d = s.source == flows[k].low ? 0 : 1
        let syn = flags.contains(.syn), ack = flags.contains(.ack), fin = flags.contains(.fin), rst = flags.contains(.rst)

        // Handshake: SYN, SYN-ACK, then the SYN's sender's first pure ACK.
        if syn && !ack {
            flows[k].synSender = d
            flows[k].clientDir = d
            flows[k].synTime = time
            flows[k].synAckTime = nil
        } else if syn && ack, flows[k].synSender == 1 - d, flows[k].synAckTime == nil {
            flows[k].synAckTime = time
            flows[k].clientDir = 1 - d
            flows[k].health.synToSynAck = UInt64(clamping: time.totalNanoseconds &- flows[k].synTime.totalNanoseconds)
        } else if ack && !syn, d == flows[k].synSender, flows[k].synAckTime != nil, flows[k].health.handshake == nil {
            let ns = UInt64(clamping: time.totalNanoseconds &- flows[k].synTime.totalNanoseconds)
            flows[k].health.handshake = ns
            handshakes.record(ns)
        }

        if s.window == 0 && !syn && !fin && !rst {
            if d == 0 { flows[k].zero.0 &+= 1 } else { flows[k].zero.1 &+= 1 }
        }

        // This segment's ACK closes the other direction's segments it covers; the one ending
        // exactly at it gives a sample.
        if ack {
            let a = s.acknowledgement
            let sample = d == 0 ? Self.ackOf(&flows[k].unacked.1, a, time) : Self.ackOf(&flows[k].unacked.0, a, time)
            if let ns = sample {
                // The data went the other way: from the client when the ACK is the server's.
                if d == 0 { flows[k].rtt.1.record(ns) } else { flows[k].rtt.0.record(ns) }
                let c = flows[k].clientDir
                if c >= 0 { if c == d { ackRTT.1.record(ns) } else { ackRTT.0.record(ns) } }
            }
        }
        // Then it waits for its own ACK if it carries sequence space.
        let length = UInt32(truncatingIfNeeded: payload + (syn ? 1 : 0) + (fin ? 1 : 0))
        if length > 0 && !rst {
            let u = Unacked(end: s.sequence &+ length, time: time)
            if d == 0 { Self.push(&flows[k].unacked.0, u) } else { Self.push(&flows[k].unacked.1, u) }
        }
    }

    private static func push(_ list: inout [Unacked], _ u: Unacked) {
        if list.count >= maxUnacked { list.removeFirst(list.count / 2) }
        list.append(u)
    }

    /// Forgets the segments `a` acknowledges; the time since the one ending exactly at `a`, if any.
    private static func ackOf(_ list: inout [Unacked], _ a: UInt32, _ time: Timestamp) -> UInt64? {
        guard !list.isEmpty else { return nil }
        var kept = 0
        var sample: Timestamp? = nil
        // By index: iterating the array itself would hold a second reference to its buffer, and
        // the first write below would copy the whole list (once per ACK).
        for i in list.indices {
            let u = list[i]
            let covered = Int32(bitPattern: a &- u.end) >= 0
            if covered {
                if u.end == a, sample == nil { sample = u.time }
            } else {
                list[kept] = u
                kept += 1
            }
        }
        if kept < list.count { list.removeLast(list.count - kept) }
        return sample.map { UInt64(clamping: time.totalNanoseconds &- $0.totalNanoseconds) }
    }

    /// The slot followed for `key`, if any.
    private mutating func slot(_ key: FlowKey) -> Int? {
        if let lastKey, lastKey == key { return lastSlot }
        guard let k = index.find(hash: key.mixed, matches: { live[$0] && flows[$0].key == key }) else { return nil }
        lastKey = key
        lastSlot = k
        return k
    }

    /// Stops following the flow in slot `k`.
    private mutating func forget(_ k: Int) {
        let key = flows[k].key
        index.remove(slot: k, hash: key.mixed)
        if lastKey == key { lastKey = nil }
        flows[k] = Flow(key: key)
        live[k] = false
        free.append(k)
    }

    /// Roles of a connection picked up mid-stream, from its first MQTT or STOMP packet.
    mutating func roles(client: Endpoint, server: Endpoint) {
        guard let k = slot(FlowKey(client, server)), flows[k].clientDir < 0 else { return }
        flows[k].clientDir = client == flows[k].low ? 0 : 1
    }

    private mutating func sweep(_ now: Timestamp) {
        for k in flows.indices where live[k] && now.seconds &- flows[k].lastTime.seconds > Self.idleSeconds {
            forget(k)
        }
        sweepAt = max(4096, index.count * 2)
    }

    /// The connection between `client` and `server` ended: its health, and it is forgotten.
    mutating func finish(client: Endpoint, server: Endpoint) -> TCPHealth? {
        guard let k = slot(FlowKey(client, server)) else { return nil }
        var f = flows[k]
        forget(k)
        let clientIsLow = client == f.low
        f.health.ackRTT = clientIsLow ? f.rtt : (f.rtt.1, f.rtt.0)
        f.health.zeroWindows = clientIsLow ? f.zero : (f.zero.1, f.zero.0)
        return f.health
    }
}
