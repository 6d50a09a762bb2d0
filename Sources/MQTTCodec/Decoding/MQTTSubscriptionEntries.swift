public import WireCore

/// The Subscription Options byte of a SUBSCRIBE entry (MQTT 5.0 §3.8.3.1; in 3.x the Requested
/// QoS byte, §3.8.3 of 3.1.1). The masks are declared here once: the decoder annotates the
/// field tree with them and consumers read the typed values through them.
public struct MQTTSubscriptionOptions: Sendable, Equatable {
    public var rawValue: UInt8
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let qosMask: UInt8 = 0x03
    public static let noLocalMask: UInt8 = 0x04
    public static let retainAsPublishedMask: UInt8 = 0x08
    public static let retainHandlingMask: UInt8 = 0x30
    /// Bits that must be 0: 7-6 in 5.0, 7-2 in 3.x.
    public static let reservedMask5: UInt8 = 0xC0
    public static let reservedMask3: UInt8 = 0xFC

    /// Maximum QoS (5.0) or Requested QoS (3.x); 3 is invalid.
    @inlinable public var qos: UInt8 { rawValue & Self.qosMask }
    @inlinable public var noLocal: Bool { rawValue & Self.noLocalMask != 0 }
    @inlinable public var retainAsPublished: Bool { rawValue & Self.retainAsPublishedMask != 0 }
    @inlinable public var retainHandling: UInt8 { (rawValue & Self.retainHandlingMask) >> 4 }
    @inlinable public func reserved(_ v: MQTTVersion) -> UInt8 {
        v == .v5 ? rawValue >> 6 : rawValue >> 2
    }
}

/// One entry of a SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK payload, with the places of its
/// bytes in the PDU.
public struct MQTTSubscriptionEntry: Sendable, Equatable {
    /// SUBSCRIBE/UNSUBSCRIBE: the Topic Filter field (length prefix and text); acks: the code byte.
    public var field: ByteRange
    /// The Topic Filter's UTF-8 bytes; empty for acks.
    public var filter: ByteRange
    /// SUBSCRIBE: the options byte, nil when the packet ends right after the filter.
    public var options: MQTTSubscriptionOptions?
    /// SUBACK/UNSUBACK: the return or reason code; 0 otherwise.
    public var code: UInt8
    /// Where the options byte or the code is (-1 when absent).
    public var byteAt: Int

    @inlinable public var byteRange: ByteRange { ByteRange(byteAt, byteAt + 1) }

    @inlinable init(field: ByteRange, filter: ByteRange, options: MQTTSubscriptionOptions?, code: UInt8, byteAt: Int) {
        self.field = field
        self.filter = filter
        self.options = options
        self.code = code
        self.byteAt = byteAt
    }
}

/// Walks the entries the decoder accepted, reading them again from the PDU: no allocation and
/// no field tree. `var c = s.entryCursor(); while let e = c.next(pdu) { … }`.
public struct MQTTSubscriptionEntryCursor: Sendable {
    @usableFromInline let type: MQTTPacketType
    @usableFromInline var pos: Int
    @usableFromInline let end: Int

    @inlinable init(type: MQTTPacketType, entries: ByteRange) {
        self.type = type
        self.pos = entries.lower
        self.end = entries.upper
    }

    @inlinable public mutating func next(_ pdu: Span<UInt8>) -> MQTTSubscriptionEntry? {
        let end = Swift.min(end, pdu.count)
        guard pos >= 0, pos < end else { return nil }
        switch type {
        case .suback, .unsuback:
            let at = pos
            pos += 1
            return MQTTSubscriptionEntry(field: ByteRange(at, at + 1), filter: ByteRange(at, at), options: nil,
                                         code: pdu[at], byteAt: at)
        case .subscribe, .unsubscribe:
            guard end - pos >= 2 else { pos = end; return nil }
            let start = pos
            let n = Int(pdu[pos]) << 8 | Int(pdu[pos + 1])
            guard n <= end - pos - 2 else { pos = end; return nil }
            pos += 2 + n
            var e = MQTTSubscriptionEntry(field: ByteRange(start, pos), filter: ByteRange(start + 2, pos),
                                          options: nil, code: 0, byteAt: -1)
            if type == .subscribe, pos < end {
                e.options = MQTTSubscriptionOptions(pdu[pos])
                e.byteAt = pos
                pos += 1
            }
            return e
        default:
            pos = end
            return nil
        }
    }
}

extension MQTTSubscriptionPacket {
    /// The entries as typed values with their byte ranges.
    @inlinable public func entryCursor() -> MQTTSubscriptionEntryCursor {
        MQTTSubscriptionEntryCursor(type: header.type, entries: entries)
    }
}
