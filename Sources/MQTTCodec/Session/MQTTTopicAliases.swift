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
