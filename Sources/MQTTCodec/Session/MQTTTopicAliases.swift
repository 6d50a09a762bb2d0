public import WireCore

/// One connection's topic-alias maps (MQTT 5 §3.3.2.3.4: each direction has its own), kept once
/// per connection and read by everyone: the reader shows the topic an alias stands for, the
/// checker asks whether an empty topic used an alias that had a mapping.
public struct MQTTTopicAliases: Sendable {
    /// Alias → topic bytes, per direction; empty bytes: defined by a PUBLISH whose topic lay beyond
    /// the captured bytes. Allocated only when aliases are used.
    var client: [UInt16: [UInt8]] = [:]
    var server: [UInt16: [UInt8]] = [:]

    public init() {}

    /// What one PUBLISH's Topic Alias meant on its connection.
    public struct Use: Sendable, Equatable {
        /// The topic the alias stood for, when known (nil for a PUBLISH that names its topic).
        public var topic: [UInt8]?
        /// The alias had a mapping in the packet's direction before the packet.
        public var known: Bool

        public init(topic: [UInt8]?, known: Bool) {
            self.topic = topic
            self.known = known
        }
    }

    subscript(_ d: Direction) -> [UInt16: [UInt8]] {
        get { d == .clientToServer ? client : server }
        _modify {
            if d == .clientToServer { yield &client } else { yield &server }
        }
    }

    /// Applies one PUBLISH of direction `d` (`pdu` its bytes): a non-empty topic (re)defines its
    /// alias, an empty one uses it.
    public mutating func apply(_ p: MQTTPublish, pdu: Span<UInt8>, direction d: Direction) -> Use {
        guard let alias = p.properties.topicAlias else { return Use(topic: nil, known: false) }
        if !p.topic.isEmpty, p.topic.upper <= pdu.count {
            var bytes = [UInt8]()
            bytes.reserveCapacity(p.topic.count)
            for i in p.topic.range { bytes.append(pdu[i]) }
            self[d][alias] = bytes
            return Use(topic: nil, known: true)
        }
        let previous = self[d][alias]
        if !p.topic.isEmpty, previous == nil { self[d][alias] = [] }
        return Use(topic: previous.flatMap { $0.isEmpty ? nil : $0 }, known: previous != nil)
    }
}

extension MQTTTopicAliases {
    /// Whether a 5.0 PUBLISH may carry a Topic Alias property (MQTT 5.0 §3.3.2.3): false only
    /// when its property list is read to its exact end without one, so that `apply` would neither
    /// change the maps nor name a topic — a packet a display filter turns away can then go
    /// undecoded. Any irregularity (bytes ending early, an unknown identifier) answers true.
    public static func mayCarryAlias(_ pdu: Span<UInt8>) -> Bool {
        guard pdu.count >= 2 else { return true }
        let qos = (pdu[0] >> 1) & 0x03
        guard qos < 3, case .value(_, let rl, _) = MQTTVBI.decode(pdu, at: 1) else { return true }
        var i = 1 + rl
        guard i + 2 <= pdu.count else { return true }
        i += 2 + (Int(pdu[i]) << 8 | Int(pdu[i + 1]))   // the topic name
        if qos > 0 { i += 2 }                             // the packet identifier
        guard i <= pdu.count, case .value(let n, let pl, _) = MQTTVBI.decode(pdu, at: i) else { return true }
        i += pl
        let end = i + Int(n)
        guard end <= pdu.count else { return true }
        func twoByteLength(_ at: Int) -> Int? { at + 2 <= end ? 2 + (Int(pdu[at]) << 8 | Int(pdu[at + 1])) : nil }
        while i < end {
            let id = pdu[i]
            guard id != 0x23, let p = MQTTProperty.lookup(UInt64(id)) else { return true }
            i += 1
            switch p.type {
            case .byte: i += 1
            case .twoByteInteger: i += 2
            case .fourByteInteger: i += 4
            case .variableByteInteger:
                guard case .value(_, let l, _) = MQTTVBI.decode(pdu, at: i, limit: end) else { return true }
                i += l
            case .utf8String, .binaryData:
                guard let l = twoByteLength(i) else { return true }
                i += l
            case .utf8StringPair:
                guard let k = twoByteLength(i) else { return true }
                i += k
                guard let v = twoByteLength(i) else { return true }
                i += v
            }
        }
        return i != end
    }
}
