public import WireCore

/// Everything the conformance catalog needs to know about one rule this codec emits.
public struct MQTTRuleInfo: Sendable {
    public var id: RuleID
    public var severity: Severity
    public var verdict: Verdict
    /// Bit per version (`MQTTVersion.bit`) in which the rule applies.
    public var versions: UInt8
    public var title: String
    /// Spec section (or statement) the rule comes from.
    public var section: String
    /// The equivalent row id in /work/shared/spec/spec-rules.tsv when ours differs.
    public var seeAlso: String

    public func applies(to version: MQTTVersion) -> Bool { versions & version.bit != 0 }
}

/// The rules the MQTT framer and decoder emit at decode time (syntax only; session and state
/// rules belong to the checker). Version-specific statement ids are separate cases because the
/// same number means different things in 3.1.1 and 5.0; `MQTTRule.pick` chooses by version.
/// MQTT 3.1 has no statement ids: it uses the 3.1.1 id, downgraded where section 5 of the spec
/// notes says so (`severity(for:)`).
public enum MQTTRule: String, Sendable, CaseIterable {
    // Framing
    case remainingLengthTooLong = "MQTT-REMLEN-TOO-LONG"
    case remainingLengthNonMinimal = "MQTT-REMLEN-NONMINIMAL"
    case vbiNonMinimal5 = "MQTT5-1.5.5-1"
    case vbiTooLong5 = "MQTT5-VBI-TOO-LONG"
    case pduOversize = "MQTT-PDU-OVERSIZE"
    case pduLostInGap = "MQTT-GAP-LOST"
    case resyncSkipped = "MQTT-RESYNC-SKIPPED"
    case incompleteAtEnd = "MQTT-INCOMPLETE-AT-END"
    // Packet structure
    case reservedType = "MQTT-RESERVED-TYPE"
    case truncated = "MQTT-TRUNCATED"
    case trailingBytes = "MQTT-TRAILING-BYTES"
    case reservedFlags311 = "MQTT311-2.2.2-1"
    case reservedFlags5 = "MQTT5-2.1.3-1"
    // Strings
    case utf8Invalid311 = "MQTT311-1.5.3-1"
    case utf8Invalid5 = "MQTT5-1.5.4-1"
    case utf8Null311 = "MQTT311-1.5.3-2"
    case utf8Null5 = "MQTT5-1.5.4-2"
    case userPropertyUTF8 = "MQTT5-1.5.7-1"
    // CONNECT
    case protocolName311 = "MQTT311-3.1.2-1"
    case protocolName5 = "MQTT5-3.1.2-1"
    case protocolLevelUnknown = "MQTT-CONNECT-LEVEL"
    case connectReservedFlag311 = "MQTT311-3.1.2-3"
    case connectReservedFlag5 = "MQTT5-3.1.2-3"
    case willQoSWithoutWill311 = "MQTT311-3.1.2-13"
    case willQoSWithoutWill5 = "MQTT5-3.1.2-11"
    case willQoS3_311 = "MQTT311-3.1.2-14"
    case willQoS3_5 = "MQTT5-3.1.2-12"
    case willRetainWithoutWill311 = "MQTT311-3.1.2-15"
    case willRetainWithoutWill5 = "MQTT5-3.1.2-13"
    case passwordWithoutUserName311 = "MQTT311-3.1.2-22"
    // CONNACK
    case connackReservedFlags311 = "MQTT-CONNACK-RESERVED-FLAGS"
    case connackReservedFlags5 = "MQTT5-3.2.2-1"
    case connackReturnCode311 = "MQTT311-3.2.2-6"
    case connackReasonCode5 = "MQTT5-3.2.2-8"
    // PUBLISH
    case publishQoS3_311 = "MQTT311-3.3.1-4"
    case publishQoS3_5 = "MQTT5-3.3.1-4"
    case publishDupQoS0_311 = "MQTT311-3.3.1-2"
    case publishDupQoS0_5 = "MQTT5-3.3.1-2"
    case publishTopicWildcard311 = "MQTT311-3.3.2-2"
    case publishTopicWildcard5 = "MQTT5-3.3.2-2"
    // Packet identifiers
    case packetIDZero311 = "MQTT311-2.3.1-1"
    case packetIDZero5 = "MQTT5-2.2.1-3"
    // Acknowledgement reason codes (5.0)
    case pubackReasonCode = "MQTT5-3.4.2-1"
    case pubrecReasonCode = "MQTT5-3.5.2-1"
    case pubrelReasonCode = "MQTT5-3.6.2-1"
    case pubcompReasonCode = "MQTT5-3.7.2-1"
    // SUBSCRIBE family
    case subscribeEmpty311 = "MQTT311-3.8.3-3"
    case subscribeEmpty5 = "MQTT5-3.8.3-2"
    case subscribeOptions311 = "MQTT311-3.8.3-4"
    case subscribeReservedOptions5 = "MQTT5-3.8.3-5"
    case subscribeOptionValues5 = "MQTT5-SUBSCRIBE-OPTIONS"
    case subackReturnCode311 = "MQTT311-3.9.3-2"
    case subackReasonCode5 = "MQTT5-3.9.3-2"
    case unsubscribeEmpty311 = "MQTT311-3.10.3-2"
    case unsubscribeEmpty5 = "MQTT5-3.10.3-2"
    case unsubackReasonCode5 = "MQTT5-3.11.3-2"
    // DISCONNECT / AUTH
    case disconnectReasonCode5 = "MQTT5-3.14.2-1"
    case authReasonCode5 = "MQTT5-3.15.2-1"
    // Properties (5.0)
    case propertyUnknown = "MQTT5-PROPERTY-UNKNOWN"
    case propertyLength = "MQTT5-PROPERTY-LENGTH"
    case propertyNotAllowed = "MQTT5-PROPERTY-NOT-ALLOWED"
    case propertyDuplicate = "MQTT5-PROPERTY-DUPLICATE"
    case propertyRange = "MQTT5-PROPERTY-RANGE"
    // Known real-world behaviour (MQTTKnownBehaviour.swift): info, never a violation
    case knownV5RefusedBy311Server = "KNOWN-V5-REFUSED-BY-311-SERVER"
    case knownBridgeProtocolLevel = "KNOWN-BRIDGE-PROTOCOL-LEVEL"

    public var id: RuleID { RuleID(rawValue) }

    static let all3: UInt8 = 0b111
    static let v3x: UInt8 = 0b011
    static let v311: UInt8 = 0b010
    static let v5only: UInt8 = 0b100

    public var info: MQTTRuleInfo {
        func r(_ sev: Severity, _ versions: UInt8, _ title: String, _ section: String, _ seeAlso: String = "",
               _ verdict: Verdict = .violation) -> MQTTRuleInfo {
            MQTTRuleInfo(id: id, severity: sev, verdict: verdict, versions: versions, title: title,
                         section: section, seeAlso: seeAlso)
        }
        switch self {
        case .remainingLengthTooLong:
            return r(.error, Self.all3, "Remaining Length uses more than 4 bytes; the stream cannot be framed",
                     "3.1.1 §2.2.3, 5.0 §1.5.5", "U311-RL-ENCODING, U50-VBI-MAX")
        case .remainingLengthNonMinimal:
            return r(.warning, Self.v3x, "Remaining Length is not minimally encoded", "3.1.1 §2.2.3",
                     "U311-RL-ENCODING")
        case .vbiNonMinimal5:
            return r(.error, Self.v5only, "Variable Byte Integer is not minimally encoded", "5.0 §1.5.5")
        case .vbiTooLong5:
            return r(.error, Self.v5only, "Variable Byte Integer uses more than 4 bytes", "5.0 §1.5.5", "U50-VBI-MAX")
        case .pduOversize:
            return r(.warning, Self.all3, "Packet exceeds the analyzer's maximum packet size; body skipped",
                     "analyzer limit", "", .unverifiable)
        case .pduLostInGap:
            return r(.info, Self.all3, "Packet partly lost in a capture gap; not decoded", "capture", "",
                     .unverifiable)
        case .resyncSkipped:
            return r(.warning, Self.all3, "Bytes skipped while looking for the next packet boundary", "capture",
                     "", .unverifiable)
        case .incompleteAtEnd:
            return r(.info, Self.all3, "Stream ended inside a packet", "capture", "", .unverifiable)
        case .reservedType:
            return r(.error, Self.all3, "Reserved packet type", "3.1.1 §2.2.1, 5.0 §2.1.2",
                     "U311-PKT-TYPE, U50-PKT-TYPE")
        case .truncated:
            return r(.error, Self.all3, "A length runs past the end of the packet", "3.1.1 §2.2.3, 5.0 §2.1.4")
        case .trailingBytes:
            return r(.error, Self.all3, "Bytes left after the last field of the packet", "3.1.1 §3, 5.0 §3",
                     "U311-FIXED-RL, U50-ACK-RL")
        case .reservedFlags311:
            return r(.error, Self.v3x, "Reserved fixed-header flags have the wrong value", "3.1.1 §2.2.2")
        case .reservedFlags5:
            return r(.error, Self.v5only, "Reserved fixed-header flags have the wrong value", "5.0 §2.1.3")
        case .utf8Invalid311:
            return r(.error, Self.v3x, "String is not well-formed UTF-8", "3.1.1 §1.5.3")
        case .utf8Invalid5:
            return r(.error, Self.v5only, "String is not well-formed UTF-8", "5.0 §1.5.4")
        case .utf8Null311:
            return r(.error, Self.v3x, "String contains U+0000", "3.1.1 §1.5.3")
        case .utf8Null5:
            return r(.error, Self.v5only, "String contains U+0000", "5.0 §1.5.4")
        case .userPropertyUTF8:
            return r(.error, Self.v5only, "User Property name or value is not a valid UTF-8 string", "5.0 §1.5.7")
        case .protocolName311:
            return r(.warning, Self.v3x, "Protocol Name is neither \"MQTT\" nor \"MQIsdp\"", "3.1.1 §3.1.2.1")
        case .protocolName5:
            return r(.error, Self.v5only, "Protocol Name is not \"MQTT\"", "5.0 §3.1.2.1")
        case .protocolLevelUnknown:
            return r(.warning, Self.all3, "Protocol Level is not 3, 4 or 5; decoded with the assumed version",
                     "3.1.1 §3.1.2.2, 5.0 §3.1.2.2")
        case .connectReservedFlag311:
            return r(.error, Self.v3x, "CONNECT reserved flag (bit 0) is set", "3.1.1 §3.1.2.3")
        case .connectReservedFlag5:
            return r(.error, Self.v5only, "CONNECT reserved flag (bit 0) is set", "5.0 §3.1.2.3")
        case .willQoSWithoutWill311:
            return r(.error, Self.v3x, "Will QoS is not 0 although the Will Flag is 0", "3.1.1 §3.1.2.6")
        case .willQoSWithoutWill5:
            return r(.error, Self.v5only, "Will QoS is not 0 although the Will Flag is 0", "5.0 §3.1.2.6")
        case .willQoS3_311:
            return r(.error, Self.v3x, "Will QoS is 3", "3.1.1 §3.1.2.6")
        case .willQoS3_5:
            return r(.error, Self.v5only, "Will QoS is 3", "5.0 §3.1.2.6")
        case .willRetainWithoutWill311:
            return r(.error, Self.v3x, "Will Retain is set although the Will Flag is 0", "3.1.1 §3.1.2.7")
        case .willRetainWithoutWill5:
            return r(.error, Self.v5only, "Will Retain is set although the Will Flag is 0", "5.0 §3.1.2.7")
        case .passwordWithoutUserName311:
            return r(.error, Self.v3x, "Password Flag set without User Name Flag", "3.1.1 §3.1.2.9")
        case .connackReservedFlags311:
            return r(.error, Self.v3x, "CONNACK reserved flag bits 7-1 are set", "3.1.1 §3.2.2.1",
                     "U311-CONNACK-FLAGS")
        case .connackReservedFlags5:
            return r(.error, Self.v5only, "CONNACK reserved flag bits 7-1 are set", "5.0 §3.2.2.1")
        case .connackReturnCode311:
            return r(.error, Self.v3x, "CONNACK return code is reserved (6-255)", "3.1.1 §3.2.2.3")
        case .connackReasonCode5:
            return r(.error, Self.v5only, "Reason code not defined for CONNACK", "5.0 §3.2.2.2")
        case .publishQoS3_311:
            return r(.error, Self.v3x, "PUBLISH with QoS 3", "3.1.1 §3.3.1.2")
        case .publishQoS3_5:
            return r(.error, Self.v5only, "PUBLISH with QoS 3", "5.0 §3.3.1.2")
        case .publishDupQoS0_311:
            return r(.error, Self.v3x, "DUP set on a QoS 0 PUBLISH", "3.1.1 §3.3.1.1")
        case .publishDupQoS0_5:
            return r(.error, Self.v5only, "DUP set on a QoS 0 PUBLISH", "5.0 §3.3.1.1")
        case .publishTopicWildcard311:
            return r(.error, Self.v3x, "Topic Name contains a wildcard", "3.1.1 §3.3.2.1")
        case .publishTopicWildcard5:
            return r(.error, Self.v5only, "Topic Name contains a wildcard", "5.0 §3.3.2.1")
        case .packetIDZero311:
            return r(.error, Self.v3x, "Packet Identifier is 0", "3.1.1 §2.3.1")
        case .packetIDZero5:
            return r(.error, Self.v5only, "Packet Identifier of SUBSCRIBE/UNSUBSCRIBE is 0", "5.0 §2.2.1")
        case .pubackReasonCode:
            return r(.error, Self.v5only, "Reason code not defined for PUBACK", "5.0 §3.4.2.1")
        case .pubrecReasonCode:
            return r(.error, Self.v5only, "Reason code not defined for PUBREC", "5.0 §3.5.2.1")
        case .pubrelReasonCode:
            return r(.error, Self.v5only, "Reason code not defined for PUBREL", "5.0 §3.6.2.1")
        case .pubcompReasonCode:
            return r(.error, Self.v5only, "Reason code not defined for PUBCOMP", "5.0 §3.7.2.1")
        case .subscribeEmpty311:
            return r(.error, Self.v3x, "SUBSCRIBE without any Topic Filter", "3.1.1 §3.8.3")
        case .subscribeEmpty5:
            return r(.error, Self.v5only, "SUBSCRIBE without any Topic Filter", "5.0 §3.8.3")
        case .subscribeOptions311:
            return r(.error, Self.v3x, "Requested QoS byte has reserved bits set or QoS 3", "3.1.1 §3.8.3.1")
        case .subscribeReservedOptions5:
            return r(.error, Self.v5only, "Subscription Options reserved bits are set", "5.0 §3.8.3.1")
        case .subscribeOptionValues5:
            return r(.error, Self.v5only, "Subscription Options with QoS 3 or Retain Handling 3", "5.0 §3.8.3.1",
                     "U50-SUBOPTS-VALUES")
        case .subackReturnCode311:
            return r(.error, Self.v3x, "SUBACK return code is not 0x00, 0x01, 0x02 or 0x80", "3.1.1 §3.9.3")
        case .subackReasonCode5:
            return r(.error, Self.v5only, "Reason code not defined for SUBACK", "5.0 §3.9.3")
        case .unsubscribeEmpty311:
            return r(.error, Self.v3x, "UNSUBSCRIBE without any Topic Filter", "3.1.1 §3.10.3")
        case .unsubscribeEmpty5:
            return r(.error, Self.v5only, "UNSUBSCRIBE without any Topic Filter", "5.0 §3.10.3")
        case .unsubackReasonCode5:
            return r(.error, Self.v5only, "Reason code not defined for UNSUBACK", "5.0 §3.11.3")
        case .disconnectReasonCode5:
            return r(.error, Self.v5only, "Reason code not defined for DISCONNECT", "5.0 §3.14.2.1")
        case .authReasonCode5:
            return r(.error, Self.v5only, "Reason code not defined for AUTH", "5.0 §3.15.2.1")
        case .propertyUnknown:
            return r(.error, Self.v5only, "Unknown property identifier", "5.0 §2.2.2.2", "U50-PROP-ALLOWED")
        case .propertyLength:
            return r(.error, Self.v5only, "Property Length does not match the properties it holds", "5.0 §2.2.2.1",
                     "U50-PROP-ALLOWED")
        case .propertyNotAllowed:
            return r(.error, Self.v5only, "Property not allowed in this packet", "5.0 §2.2.2.2", "U50-PROP-ALLOWED")
        case .propertyDuplicate:
            return r(.error, Self.v5only, "Property appears more than once", "5.0 §2.2.2.2", "U50-PROP-DUP")
        case .propertyRange:
            return r(.error, Self.v5only, "Property value out of range", "5.0 §3", "U50-PROP-VALUE")
        case .knownV5RefusedBy311Server, .knownBridgeProtocolLevel:
            return knownBehaviourInfo
        }
    }

    /// Severity in `version`: MQTT 3.1 has no numbered UTF-8 rules and loose fixed-header flags,
    /// so those findings are warnings there (spec-rules.md §5).
    public func severity(for version: MQTTVersion) -> Severity {
        let base = info.severity
        guard version == .v3_1 else { return base }
        switch self {
        case .utf8Invalid311, .utf8Null311, .reservedFlags311, .remainingLengthNonMinimal:
            return .warning
        default:
            return base
        }
    }

    /// The 3.x or the 5.0 form of a rule that has one of each.
    @inlinable static func pick(_ version: MQTTVersion, _ v3: MQTTRule, _ v5: MQTTRule) -> MQTTRule {
        version == .v5 ? v5 : v3
    }

    /// A diagnostic for this rule; the message is the rule's title (no per-finding string).
    public func diagnostic(_ version: MQTTVersion, _ range: ByteRange?) -> Diagnostic {
        let i = info
        return Diagnostic(i.id, severity(for: version), i.title, range: range, verdict: i.verdict)
    }
}
