public import WireCore
public import MQTTCodec

/// The retained-message store seen through its deliveries (3.1.1 §3.3.1.3, 5.0 §3.3.1.3): a
/// RETAIN=1 delivery that is not a live forward (some matching subscription was made after the
/// message was published, or no client published it) comes from the store, so it must not be a
/// zero-byte message, nor one an empty retained PUBLISH deleted before the subscription.
extension BrokerChecker {
    mutating func judgeRetainedStore(_ id: ConnectionID, _ s: Session, _ m: MQTTPublish, _ topic: [UInt8],
                                     _ matching: [Subscription], _ source: Publication?, _ p: PacketPosition) {
        // A live forward to subscriptions all acknowledged before the publication: the RETAIN rule's.
        if let src = source, matching.allSatisfy({ sub in sub.subackTime.map { $0 < src.time } ?? false }) { return }
        let topicText = String(decoding: topic, as: UTF8.self)
        let subs = matching.map { "\"\(String(decoding: $0.filter, as: UTF8.self))\" (SUBSCRIBE frame \($0.subscribeFrame))" }
            .joined(separator: ", ")
        func chain() -> [Evidence] {
            matching.map { Evidence(.subscription, connection: $0.connection, frame: $0.subscribeFrame,
                                    filter: String(decoding: $0.filter, as: UTF8.self)) }
        }
        if m.payload.isEmpty {
            // 5.0 Retain As Published forwards a live empty retained PUBLISH with RETAIN=1: only
            // a delivery whose publication is known to precede the subscription is proven.
            if s.version == .v5, source == nil, matching.contains(where: \.retainAsPublished) { return }
            judge(.retainedEmptyStored, id, s, p, proven: s.complete,
                  "PUBLISH retain topic \"\(topicText)\" with a zero-byte payload delivered in frame \(p.lastFrame) because of the subscription \(subs): a zero-byte retained message was stored",
                  evidence: [source.map { Evidence(.publish, connection: $0.connection, frame: $0.frame, topic: topicText,
                                                   note: "zero-byte retained") }].compactMap { $0 }
                    + chain() + [Evidence(.delivery, connection: id, frame: p.lastFrame, topic: topicText, note: "retain, zero bytes")])
            return
        }
        // The message delivered was published (retained) before an empty retained PUBLISH to the
        // topic, and every matching subscription was made after that clear.
        guard let src = source, src.retain,
              let clear = clearedTimes[Self.hash(topic)]?.first(where: { $0.time > src.time && $0.time < p.time }),
              matching.allSatisfy({ $0.subscribeTime > clear.time }) else { return }
        let cleared = sessions[clear.connection]?.complete ?? false
        judge(.retainedCleared, id, s, p, proven: s.complete && src.complete && cleared && !publicationsForgotten,
              "PUBLISH retain topic \"\(topicText)\" delivered in frame \(p.lastFrame) because of the subscription \(subs) (published retained in frame \(src.frame) on connection #\(src.connection)) although an empty retained PUBLISH deleted it in frame \(clear.frame) on connection #\(clear.connection), before the subscription",
              evidence: [Evidence(.publish, connection: src.connection, frame: src.frame, topic: topicText, note: "retained"),
                         Evidence(.publish, connection: clear.connection, frame: clear.frame, topic: topicText,
                                  note: "zero-byte retained: deletes it")]
                + chain() + [Evidence(.delivery, connection: id, frame: p.lastFrame, topic: topicText, note: "retain")])
    }
}
