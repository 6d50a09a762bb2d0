public import WireCore
public import MQTTCodec

/// What the catalog knows about one rule the checker implements.
public struct CheckRuleDescriptor: Sendable {
    /// The id reported for MQTT 3.1 / 3.1.1 connections (nil: the rule does not apply there).
    public var id311: RuleID?
    /// The id reported for MQTT 5.0 connections (nil: the rule does not apply there).
    public var id5: RuleID?
    public var severity: Severity
    public var title: String
    /// Spec section(s) the rule comes from.
    public var section: String
    /// The `SpecStatement.id`s this rule checks (fully or in the part a capture can show).
    public var covers: [SpecStatementID]

    public func id(for version: MQTTVersion) -> RuleID? { version == .v5 ? id5 : id311 }
    /// Every id this rule can be reported under.
    public var ids: [RuleID] {
        var out: [RuleID] = []
        if let a = id311 { out.append(a) }
        if let b = id5, b != id311 { out.append(b) }
        return out
    }
}

/// The state and session rules the per-connection checker implements (syntax rules are the
/// decoder's `MQTTRule`s). The raw value is a stable rule name accepted by `--disable` etc.
/// beside the reported ids; the ids say the version because the same number means different
/// things in 3.1.1 and 5.0.
public enum MQTTCheckRule: String, Sendable, CaseIterable {
    // Sequence
    case firstPacketConnect = "first-packet-connect"
    case firstServerPacketConnack = "first-server-packet-connack"
    case secondConnect = "second-connect"
    case secondConnack = "second-connack"
    case packetAfterDisconnect = "packet-after-disconnect"
    case wrongDirection = "wrong-direction"
    case refusedConnectionContinues = "refused-connection-continues"
    case disconnectBeforeConnack = "disconnect-before-connack"
    // Packet identifiers and QoS flows
    case packetIDInUseClient = "packet-id-in-use-client"
    case packetIDInUseServer = "packet-id-in-use-server"
    case publishAckUnmatched = "publish-ack-unmatched"
    case subscribeAckUnmatched = "subscribe-ack-unmatched"
    case qos2FlowOrder = "qos2-flow-order"
    case subackCountMismatch = "suback-count-mismatch"
    case unsubackCountMismatch = "unsuback-count-mismatch"
    case subackRepeated = "suback-repeated"
    case unsubackRepeated = "unsuback-repeated"
    case subackGrantHigher = "suback-grant-higher"
    case pubackOrder = "puback-order"
    case pubrecOrder = "pubrec-order"
    case pubrelOrder = "pubrel-order"
    case resentAfterFailure = "resent-after-failure"
    case publishUnanswered = "publish-unanswered"
    case subscribeUnanswered = "subscribe-unanswered"
    case unsubscribeUnanswered = "unsubscribe-unanswered"
    case pingUnanswered = "ping-unanswered"
    // CONNECT / CONNACK
    case sessionPresentWithError = "session-present-with-error"
    case sessionPresentAfterCleanStart = "session-present-after-clean-start"
    case emptyClientIDWithoutCleanSession = "empty-client-id-without-clean-session"
    case emptyClientIDAccepted = "empty-client-id-accepted"
    case assignedClientIDMissing = "assigned-client-id-missing"
    case clientIDRejected = "client-id-rejected"
    case malformedConnectAccepted = "malformed-connect-accepted"
    case malformedPacketNotClosed = "malformed-packet-not-closed"
    case keepAliveOverrun = "keep-alive-overrun"
    // Topics
    case multiLevelWildcardPlacement = "multi-level-wildcard-placement"
    case singleLevelWildcardPlacement = "single-level-wildcard-placement"
    case topicEmpty = "topic-empty"
    case sharedSubscriptionInvalid = "shared-subscription-invalid"
    case noLocalOnSharedSubscription = "no-local-on-shared-subscription"
    // MQTT 5 negotiated limits and properties
    case topicAliasZero = "topic-alias-zero"
    case topicAliasAboveMaximumClient = "topic-alias-above-maximum-client"
    case topicAliasAboveMaximumServer = "topic-alias-above-maximum-server"
    case topicAliasRefusedServer = "topic-alias-refused-by-server"
    case topicAliasRefusedClient = "topic-alias-refused-by-client"
    case topicAliasUnknown = "topic-alias-unknown"
    case receiveMaximumExceededClient = "receive-maximum-exceeded-client"
    case receiveMaximumExceededServer = "receive-maximum-exceeded-server"
    case maximumPacketSizeExceededClient = "maximum-packet-size-exceeded-client"
    case maximumPacketSizeExceededServer = "maximum-packet-size-exceeded-server"
    case maximumQoSExceeded = "maximum-qos-exceeded"
    case retainNotAvailable = "retain-not-available"
    case willQoSAboveMaximum = "will-qos-above-maximum"
    case willRetainNotAvailable = "will-retain-not-available"
    case featureNotAvailable = "feature-not-available"
    case payloadFormatInvalid = "payload-format-invalid"
    case subscriptionIDFromClient = "subscription-id-from-client"
    case sessionExpiryFromServer = "session-expiry-from-server"
    case sessionExpiryAfterZero = "session-expiry-after-zero"
    case disconnectReasonRole = "disconnect-reason-role"
    case authWithoutMethodClient = "auth-without-method-client"
    case authWithoutMethodServer = "auth-without-method-server"
    case authDataWithoutMethod = "auth-data-without-method"
    case authReasonServer = "auth-reason-server"
    case authReasonClient = "auth-reason-client"
    case authMethodMismatch = "auth-method-mismatch"
    case packetDuringAuthentication = "packet-during-authentication"
    case responseTopicWildcard = "response-topic-wildcard"
    case subscriptionIDUnknown = "subscription-id-unknown"
    case problemInformationNotRequested = "problem-information-not-requested"
    case responseInformationNotRequested = "response-information-not-requested"
    // Capture notes
    case midStream = "mid-stream"

    public var descriptor: CheckRuleDescriptor {
        func both(_ a: String, _ b: String, _ sev: Severity, _ title: String, _ section: String,
                  _ covers: [SpecStatementID]) -> CheckRuleDescriptor {
            CheckRuleDescriptor(id311: RuleID(a), id5: RuleID(b), severity: sev, title: title, section: section,
                                covers: covers)
        }
        func v5(_ b: String, _ sev: Severity, _ title: String, _ section: String,
                _ covers: [SpecStatementID]) -> CheckRuleDescriptor {
            CheckRuleDescriptor(id311: nil, id5: RuleID(b), severity: sev, title: title, section: section,
                                covers: covers)
        }
        func v3(_ a: String, _ sev: Severity, _ title: String, _ section: String,
                _ covers: [SpecStatementID]) -> CheckRuleDescriptor {
            CheckRuleDescriptor(id311: RuleID(a), id5: nil, severity: sev, title: title, section: section,
                                covers: covers)
        }
        switch self {
        case .firstPacketConnect:
            return both("MQTT311-3.1.0-1", "MQTT5-3.1.0-1", .error, "The client's first packet is not CONNECT",
                        "3.1.1 §3.1, 5.0 §3.1", [.mqtt311_3_1_0_1, .mqtt5_3_1_0_1])
        case .firstServerPacketConnack:
            return both("MQTT311-3.2.0-1", "MQTT5-3.2.0-1", .error,
                        "The server's first packet is not CONNACK (5.0: or AUTH)", "3.1.1 §3.2, 5.0 §3.2",
                        // Client packets before CONNACK are allowed (pipelining) and never flagged.
                        [.mqtt311_3_2_0_1, .mqtt5_3_2_0_1, .u311_PIPELINING, .u50_PIPELINING])
        case .secondConnect:
            return both("MQTT311-3.1.0-2", "MQTT5-3.1.0-2", .error, "A second CONNECT on the same connection",
                        "3.1.1 §3.1, 5.0 §3.1", [.mqtt311_3_1_0_2, .mqtt5_3_1_0_2])
        case .secondConnack:
            return both("MQTT-CONNACK-REPEATED", "MQTT5-3.2.0-2", .error, "A second CONNACK on the same connection",
                        "3.1.1 §3.2, 5.0 §3.2", [.mqtt5_3_2_0_2])
        case .packetAfterDisconnect:
            return both("MQTT311-3.14.4-2", "MQTT5-3.14.4-1", .error, "A packet sent after the sender's DISCONNECT",
                        "3.1.1 §3.14.4, 5.0 §3.14.4", [.mqtt311_3_14_4_2, .mqtt5_3_14_4_1])
        case .wrongDirection:
            return both("U311-DIRECTION", "U50-DIRECTION", .error, "Packet type sent in the wrong direction",
                        "3.1.1 §2.2.1, 5.0 §2.1.2", [.u311_DIRECTION, .u50_DIRECTION])
        case .refusedConnectionContinues:
            return both("MQTT311-3.2.2-5", "MQTT5-3.2.2-7", .error,
                        "The server sent more packets after a CONNACK that refused the connection",
                        "3.1.1 §3.2.2.3, 5.0 §3.2.2.2",
                        // The 5.0 refusals whose own statements repeat "and must then close" (the message names them).
                        [.mqtt311_3_2_2_5, .mqtt5_3_2_2_7, .mqtt5_4_13_2_1, .mqtt5_3_1_2_2, .mqtt5_3_1_3_8, .mqtt5_4_12_0_1,
                         .mqtt5_4_12_0_4])
        case .disconnectBeforeConnack:
            return v5("MQTT5-3.14.0-1", .error, "The server sent DISCONNECT before any CONNACK", "5.0 §3.14",
                      [.mqtt5_3_14_0_1])
        case .packetIDInUseClient:
            return both("MQTT311-2.3.1-2", "MQTT5-2.2.1-3", .error,
                        "The client reused a Packet Identifier that is still in flight", "3.1.1 §2.3.1, 5.0 §2.2.1",
                        [.mqtt311_2_3_1_2, .mqtt5_2_2_1_3, .mqtt5_4_3_2_1, .mqtt5_4_3_3_1, .mqtt311_4_3_2_1])
        case .packetIDInUseServer:
            return both("MQTT311-2.3.1-4", "MQTT5-2.2.1-4", .error,
                        "The server reused a Packet Identifier that is still in flight", "3.1.1 §2.3.1, 5.0 §2.2.1",
                        [.mqtt311_2_3_1_4, .mqtt5_2_2_1_4])
        case .publishAckUnmatched:
            return both("MQTT311-2.3.1-6", "MQTT5-2.2.1-5", .error,
                        "PUBACK/PUBREC/PUBREL/PUBCOMP matches no outstanding PUBLISH", "3.1.1 §2.3.1, 5.0 §2.2.1",
                        [.mqtt311_2_3_1_6, .mqtt5_2_2_1_5])
        case .subscribeAckUnmatched:
            return both("MQTT311-2.3.1-7", "MQTT5-2.2.1-6", .error,
                        "SUBACK/UNSUBACK matches no outstanding SUBSCRIBE/UNSUBSCRIBE", "3.1.1 §2.3.1, 5.0 §2.2.1",
                        [.mqtt311_2_3_1_7, .mqtt5_2_2_1_6, .mqtt311_3_8_4_2, .mqtt5_3_8_4_2])
        case .qos2FlowOrder:
            return both("MQTT311-4.3.3-1", "MQTT5-4.3.3-4", .error,
                        "QoS flow out of order (wrong acknowledgement type, PUBREL before PUBREC, PUBLISH after PUBREL)",
                        "3.1.1 §4.3, 5.0 §4.3", [.mqtt311_4_3_3_1, .mqtt5_4_3_3_4, .mqtt5_4_3_3_6])
        case .subackCountMismatch:
            return both("MQTT311-3.8.4-5", "MQTT5-3.8.4-6", .error,
                        "SUBACK does not hold one code per Topic Filter of its SUBSCRIBE", "3.1.1 §3.8.4, 5.0 §3.8.4",
                        [.mqtt311_3_8_4_5, .mqtt5_3_8_4_6])
        case .unsubackCountMismatch:
            return v5("MQTT5-3.11.3-2", .error, "UNSUBACK does not hold one code per Topic Filter of its UNSUBSCRIBE",
                      "5.0 §3.11.3", [.mqtt5_3_11_3_2])
        case .subackRepeated:
            return both("MQTT311-3.8.4-4", "MQTT5-3.8.4-5", .error, "A second SUBACK for one SUBSCRIBE (one SUBACK answers all its filters)",
                        "3.1.1 §3.8.4, 5.0 §3.8.4", [.mqtt311_3_8_4_4, .mqtt5_3_8_4_5])
        case .unsubackRepeated:
            return both("MQTT311-3.10.4-6", "MQTT5-3.10.4-6", .error,
                        "A second UNSUBACK for one UNSUBSCRIBE (one UNSUBACK answers all its filters)",
                        "3.1.1 §3.10.4, 5.0 §3.10.4", [.mqtt311_3_10_4_6, .mqtt5_3_10_4_6])
        case .subackGrantHigher:
            return both("U311-SUBACK-GRANT", "MQTT5-SUBACK-GRANT", .error,
                        "SUBACK grants a higher QoS than the SUBSCRIBE requested", "3.1.1 §3.9.3, 5.0 §3.9.3",
                        [.u311_SUBACK_GRANT, .mqtt5_3_8_4_7])
        case .pubackOrder:
            return both("MQTT311-4.6.0-2", "MQTT5-4.6.0-2", .error,
                        "The client sent PUBACKs out of the order the QoS 1 PUBLISHes arrived", "3.1.1 §4.6, 5.0 §4.6",
                        [.mqtt311_4_6_0_2, .mqtt5_4_6_0_2])
        case .pubrecOrder:
            return both("MQTT311-4.6.0-3", "MQTT5-4.6.0-3", .error,
                        "The client sent PUBRECs out of the order the QoS 2 PUBLISHes arrived", "3.1.1 §4.6, 5.0 §4.6",
                        [.mqtt311_4_6_0_3, .mqtt5_4_6_0_3])
        case .pubrelOrder:
            return both("MQTT311-4.6.0-4", "MQTT5-4.6.0-4", .error,
                        "The client sent PUBRELs out of the order the PUBRECs arrived", "3.1.1 §4.6, 5.0 §4.6",
                        [.mqtt311_4_6_0_4, .mqtt5_4_6_0_4])
        case .resentAfterFailure:
            return v5("MQTT5-4.4.0-2", .error,
                      "PUBLISH re-sent after a PUBACK/PUBREC with a failure reason code acknowledged it", "5.0 §4.4",
                      [.mqtt5_4_4_0_2])
        case .publishUnanswered:
            return both("MQTT311-3.3.4-1", "MQTT5-3.3.4-1", .warning,
                        "A QoS 1/2 flow was never answered although the peer kept sending until the connection closed",
                        "3.1.1 §3.3.4, §4.3, 5.0 §3.3.4, §4.3",
                        [.mqtt311_3_3_4_1, .mqtt311_4_5_0_2, .mqtt5_3_3_4_1, .mqtt5_4_3_2_4, .mqtt5_4_3_3_8,
                         .mqtt5_4_3_3_11, .mqtt5_4_5_0_2])
        case .subscribeUnanswered:
            return both("MQTT311-3.8.4-1", "MQTT5-3.8.4-1", .warning,
                        "SUBSCRIBE never answered with SUBACK although the server kept sending until the connection closed",
                        "3.1.1 §3.8.4, 5.0 §3.8.4", [.mqtt311_3_8_4_1, .mqtt5_3_8_4_1])
        case .unsubscribeUnanswered:
            return both("MQTT311-3.10.4-4", "MQTT5-3.10.4-4", .warning,
                        "UNSUBSCRIBE never answered with UNSUBACK although the server kept sending until the connection closed",
                        "3.1.1 §3.10.4, 5.0 §3.10.4",
                        [.mqtt311_3_10_4_4, .mqtt311_3_10_4_5, .mqtt5_3_10_4_4, .mqtt5_3_10_4_5])
        case .pingUnanswered:
            return both("MQTT311-3.12.4-1", "MQTT5-3.12.4-1", .warning,
                        "PINGREQ never answered with PINGRESP although the server kept sending until the connection closed",
                        "3.1.1 §3.12.4, 5.0 §3.12.4", [.mqtt311_3_12_4_1, .mqtt5_3_12_4_1])
        case .sessionPresentWithError:
            return both("MQTT311-3.2.2-4", "MQTT5-3.2.2-6", .error,
                        "CONNACK refuses the connection but sets Session Present", "3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1",
                        [.mqtt311_3_2_2_4, .mqtt5_3_2_2_6])
        case .sessionPresentAfterCleanStart:
            return both("MQTT311-3.2.2-1", "MQTT5-3.2.2-2", .error,
                        "CONNACK sets Session Present although CONNECT asked for a clean session",
                        "3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1", [.mqtt311_3_2_2_1, .mqtt5_3_2_2_2])
        case .emptyClientIDWithoutCleanSession:
            return v3("MQTT311-3.1.3-7", .error, "Zero-length Client Identifier with CleanSession=0", "3.1.1 §3.1.3.1",
                      [.mqtt311_3_1_3_7])
        case .emptyClientIDAccepted:
            return v3("MQTT311-3.1.3-8", .error,
                      "Zero-length Client Identifier with CleanSession=0 answered other than CONNACK 0x02",
                      "3.1.1 §3.1.3.1", [.mqtt311_3_1_3_8])
        case .assignedClientIDMissing:
            return v5("MQTT5-3.2.2-16", .error,
                      "CONNACK accepts a zero-length Client Identifier without an Assigned Client Identifier",
                      "5.0 §3.2.2.3.7", [.mqtt5_3_2_2_16, .mqtt5_3_1_3_7])
        case .clientIDRejected:
            return both("MQTT311-3.1.3-5", "MQTT5-3.1.3-5", .error,
                        "The server rejected a Client Identifier of 1-23 letters and digits, which it must accept",
                        "3.1.1 §3.1.3.1, 5.0 §3.1.3.1", [.mqtt311_3_1_3_5, .mqtt5_3_1_3_5])
        case .malformedConnectAccepted:
            return both("MQTT311-3.1.4-1", "MQTT5-3.1.4-1", .error,
                        "The server accepted a malformed CONNECT (3.1.1: it must close without any CONNACK)",
                        "3.1.1 §3.1.4, 5.0 §3.1.4", [.mqtt311_3_1_4_1, .mqtt5_3_1_4_1])
        case .malformedPacketNotClosed:
            return both("MQTT311-4.8.0-1", "MQTT5-4.13.1-1", .warning,
                        "The receiver of a malformed packet kept the connection (sent other packets more than 1 s later)",
                        "3.1.1 §4.8, 5.0 §4.13", [.mqtt311_4_8_0_1, .mqtt311_2_2_2_2, .mqtt5_4_13_1_1])
        case .keepAliveOverrun:
            return both("MQTT311-3.1.2-24", "MQTT5-3.1.2-22", .warning,
                        "No client packet within 1.5 x Keep Alive, yet the connection stayed open",
                        "3.1.1 §3.1.2.10, 5.0 §3.1.2.10",
                        [.mqtt311_3_1_2_23, .mqtt311_3_1_2_24, .mqtt5_3_1_2_20, .mqtt5_3_1_2_22, .mqtt5_3_2_2_21,
                         .mqtt5_3_1_2_21, .mqtt5_3_2_2_22])
        case .multiLevelWildcardPlacement:
            return both("MQTT311-4.7.1-2", "MQTT5-4.7.1-1", .error,
                        "'#' in a Topic Filter is not alone in the last level", "3.1.1 §4.7.1.2, 5.0 §4.7.1.2",
                        [.mqtt311_4_7_1_2, .mqtt5_4_7_1_1])
        case .singleLevelWildcardPlacement:
            return both("MQTT311-4.7.1-3", "MQTT5-4.7.1-2", .error,
                        "'+' in a Topic Filter does not occupy a whole level", "3.1.1 §4.7.1.3, 5.0 §4.7.1.3",
                        [.mqtt311_4_7_1_3, .mqtt5_4_7_1_2])
        case .topicEmpty:
            return both("MQTT311-4.7.3-1", "MQTT5-4.7.3-1", .error,
                        "Zero-length Topic Filter, or Topic Name without a Topic Alias", "3.1.1 §4.7.3, 5.0 §4.7.3",
                        [.mqtt311_4_7_3_1, .mqtt5_4_7_3_1])
        case .sharedSubscriptionInvalid:
            return v5("MQTT5-4.8.2-2", .error, "Malformed shared subscription filter ($share/ShareName/filter)",
                      "5.0 §4.8.2", [.mqtt5_4_8_2_1, .mqtt5_4_8_2_2])
        case .noLocalOnSharedSubscription:
            return v5("MQTT5-3.8.3-4", .error, "No Local set on a shared subscription", "5.0 §3.8.3.1",
                      [.mqtt5_3_8_3_4])
        case .topicAliasZero:
            return v5("MQTT5-3.3.2-8", .error, "Topic Alias 0", "5.0 §3.3.2.3.4", [.mqtt5_3_3_2_8])
        case .topicAliasAboveMaximumClient:
            return v5("MQTT5-3.3.2-9", .error, "The client used a Topic Alias above the server's Topic Alias Maximum",
                      "5.0 §3.3.2.3.4", [.mqtt5_3_3_2_9, .mqtt5_3_2_2_17, .mqtt5_3_2_2_18])
        case .topicAliasAboveMaximumServer:
            return v5("MQTT5-3.3.2-11", .error, "The server used a Topic Alias above the client's Topic Alias Maximum",
                      "5.0 §3.3.2.3.4", [.mqtt5_3_3_2_11, .mqtt5_3_1_2_26, .mqtt5_3_1_2_27])
        case .topicAliasRefusedServer:
            return v5("MQTT5-3.3.2-12", .error,
                      "The server refused (DISCONNECT 0x94) Topic Aliases that were all within its Topic Alias Maximum",
                      "5.0 §3.3.2.3.4", [.mqtt5_3_3_2_12])
        case .topicAliasRefusedClient:
            return v5("MQTT5-3.3.2-10", .error,
                      "The client refused (DISCONNECT 0x94) Topic Aliases that were all within its Topic Alias Maximum",
                      "5.0 §3.3.2.3.4", [.mqtt5_3_3_2_10])
        case .topicAliasUnknown:
            return v5("U50-TOPIC-EMPTY", .error, "Empty Topic Name with a Topic Alias that has no mapping",
                      "5.0 §3.3.2.3.4", [.u50_TOPIC_EMPTY])
        case .receiveMaximumExceededClient:
            return v5("MQTT5-3.3.4-7", .error,
                      "The client has more unacknowledged QoS 1/2 PUBLISHes than the server's Receive Maximum",
                      "5.0 §4.9", [.mqtt5_3_3_4_7, .mqtt5_4_9_0_2])
        case .receiveMaximumExceededServer:
            return v5("MQTT5-3.3.4-9", .error,
                      "The server has more unacknowledged QoS 1/2 PUBLISHes than the client's Receive Maximum",
                      "5.0 §4.9", [.mqtt5_3_3_4_9])
        case .maximumPacketSizeExceededClient:
            // Covers the per-packet "no Reason String / User Properties beyond the limit" statements too.
            return v5("MQTT5-3.2.2-15", .error, "The client sent a packet larger than the server's Maximum Packet Size",
                      "5.0 §3.2.2.3.6", [.mqtt5_3_2_2_15, .mqtt5_3_4_2_2, .mqtt5_3_4_2_3, .mqtt5_3_5_2_2, .mqtt5_3_5_2_3,
                                         .mqtt5_3_6_2_2, .mqtt5_3_6_2_3, .mqtt5_3_7_2_2, .mqtt5_3_7_2_3,
                                         .mqtt5_3_14_2_3, .mqtt5_3_14_2_4, .mqtt5_3_15_2_2, .mqtt5_3_15_2_3])
        case .maximumPacketSizeExceededServer:
            return v5("MQTT5-3.1.2-24", .error, "The server sent a packet larger than the client's Maximum Packet Size",
                      "5.0 §3.1.2.11.4", [.mqtt5_3_1_2_24, .mqtt5_3_2_2_19, .mqtt5_3_2_2_20, .mqtt5_3_4_2_2, .mqtt5_3_4_2_3,
                                          .mqtt5_3_5_2_2, .mqtt5_3_5_2_3, .mqtt5_3_6_2_2, .mqtt5_3_6_2_3, .mqtt5_3_7_2_2,
                                          .mqtt5_3_7_2_3, .mqtt5_3_9_2_1, .mqtt5_3_9_2_2, .mqtt5_3_11_2_1, .mqtt5_3_11_2_2,
                                          .mqtt5_3_14_2_3, .mqtt5_3_14_2_4, .mqtt5_3_15_2_2, .mqtt5_3_15_2_3])
        case .maximumQoSExceeded:
            return v5("MQTT5-3.2.2-11", .error, "The client published above the server's Maximum QoS",
                      "5.0 §3.2.2.3.4", [.mqtt5_3_2_2_11])
        case .retainNotAvailable:
            return v5("MQTT5-3.2.2-14", .error, "The client sent RETAIN=1 although the server has Retain Available 0",
                      "5.0 §3.2.2.3.5", [.mqtt5_3_2_2_14])
        case .willQoSAboveMaximum:
            return v5("MQTT5-3.2.2-12", .error, "CONNACK accepts a CONNECT whose Will QoS is above the Maximum QoS it sets",
                      "5.0 §3.2.2.3.4", [.mqtt5_3_2_2_12])
        case .willRetainNotAvailable:
            return v5("MQTT5-3.2.2-13", .error, "CONNACK accepts a CONNECT with Will Retain 1 although it sets Retain Available 0",
                      "5.0 §3.2.2.3.5", [.mqtt5_3_2_2_13])
        case .featureNotAvailable:
            return v5("U50-FEATURE-AVAILABLE", .error,
                      "The client used a wildcard, shared subscription or Subscription Identifier the server said it lacks",
                      "5.0 §3.2.2.3", [.u50_FEATURE_AVAILABLE])
        case .payloadFormatInvalid:
            return v5("U50-PFI-UTF8", .warning, "Payload Format Indicator 1 but the payload is not valid UTF-8",
                      "5.0 §3.3.2.3.2", [.u50_PFI_UTF8])
        case .subscriptionIDFromClient:
            return v5("MQTT5-3.3.4-6", .error, "A client PUBLISH carries a Subscription Identifier", "5.0 §3.3.4",
                      [.mqtt5_3_3_4_6])
        case .sessionExpiryFromServer:
            return v5("MQTT5-3.14.2-2", .error, "The server put a Session Expiry Interval in DISCONNECT",
                      "5.0 §3.14.2.2.2", [.mqtt5_3_14_2_2])
        case .sessionExpiryAfterZero:
            return v5("U50-SEI-DISCONNECT", .error,
                      "DISCONNECT sets a non-zero Session Expiry Interval after CONNECT set 0", "5.0 §3.14.2.2.2",
                      [.u50_SEI_DISCONNECT])
        case .disconnectReasonRole:
            return v5("MQTT5-3.14.2-1", .error, "DISCONNECT reason code its sender's role may not use",
                      "5.0 §3.14.2.1", [.mqtt5_3_14_2_1])
        case .authWithoutMethodClient:
            return v5("MQTT5-4.12.0-7", .error, "The client sent AUTH although its CONNECT had no Authentication Method",
                      "5.0 §4.12", [.mqtt5_4_12_0_7])
        case .authWithoutMethodServer:
            return v5("MQTT5-4.12.0-6", .error, "The server sent AUTH although the CONNECT had no Authentication Method",
                      "5.0 §4.12", [.mqtt5_4_12_0_6])
        case .authDataWithoutMethod:
            return v5("U50-AUTH-DATA", .error, "Authentication Data without Authentication Method", "5.0 §3.1.2.11.10",
                      [.u50_AUTH_DATA])
        case .authReasonServer:
            return v5("MQTT5-4.12.0-2", .error, "Server AUTH before CONNACK with a reason other than 0x18",
                      "5.0 §4.12", [.mqtt5_4_12_0_2])
        case .authReasonClient:
            return v5("MQTT5-4.12.0-3", .error, "Client AUTH before CONNACK with a reason other than 0x18",
                      "5.0 §4.12", [.mqtt5_4_12_0_3])
        case .authMethodMismatch:
            return v5("MQTT5-4.12.0-5", .error,
                      "AUTH or successful CONNACK without the CONNECT's Authentication Method", "5.0 §4.12",
                      [.mqtt5_4_12_0_5, .mqtt5_4_12_1_1])
        case .packetDuringAuthentication:
            return v5("MQTT5-3.1.2-30", .error,
                      "The client sent a packet other than AUTH or DISCONNECT before CONNACK during enhanced authentication",
                      "5.0 §3.1.2.11.9", [.mqtt5_3_1_2_30])
        case .responseTopicWildcard:
            return v5("MQTT5-3.3.2-14", .error, "Response Topic contains a wildcard", "5.0 §3.3.2.3.5",
                      [.mqtt5_3_3_2_14])
        case .subscriptionIDUnknown:
            return v5("U50-SUBID-ORIGIN", .error,
                      "Server PUBLISH carries a Subscription Identifier no SUBSCRIBE of this clean session used",
                      "5.0 §3.3.4", [.u50_SUBID_ORIGIN])
        case .problemInformationNotRequested:
            return v5("MQTT5-3.1.2-29", .error,
                      "Reason String or User Property sent although the client set Request Problem Information 0",
                      "5.0 §3.1.2.11.7", [.mqtt5_3_1_2_29, .u50_REQUEST_PROBLEM_CLIENT])
        case .responseInformationNotRequested:
            return v5("MQTT5-3.1.2-28", .error,
                      "CONNACK carries Response Information the client did not request", "5.0 §3.1.2.11.6",
                      [.mqtt5_3_1_2_28])
        case .midStream:
            return both("MQTT-MIDSTREAM", "MQTT-MIDSTREAM", .info,
                        "Connection captured mid-stream: rules that need the CONNECT/CONNACK cannot be judged",
                        "capture", [])
        }
    }

    /// Rule-name or id lookup (`--disable first-packet-connect`, `--disable MQTT311-3.1.0-1`).
    public static func named(_ s: String) -> MQTTCheckRule? {
        if let r = MQTTCheckRule(rawValue: s) { return r }
        return allCases.first { $0.descriptor.ids.contains(RuleID(s)) }
    }
}

/// Statements the decoder's rules check beyond the id they report under (the decoder reports
/// one id per condition; the catalog credits the related statements the same condition proves).
public enum DecoderCoverage {
    public static func covers(_ rule: MQTTRule) -> [SpecStatementID] {
        var out = citedByCodec(rule)
        switch rule {
        case .reservedType: out += [.u311_PKT_TYPE, .u50_PKT_TYPE]
        case .reservedFlags311: out += [.mqtt311_3_6_1_1, .mqtt311_3_8_1_1, .mqtt311_3_10_1_1, .mqtt311_3_14_1_1]
        case .reservedFlags5: out += [.mqtt5_3_6_1_1, .mqtt5_3_8_1_1, .mqtt5_3_10_1_1, .mqtt5_3_14_1_1, .mqtt5_3_15_1_1]
        case .truncated:
            out += [.mqtt311_3_1_2_9, .mqtt311_3_1_2_19, .mqtt311_3_1_2_21, .mqtt311_3_1_3_3,
                    .mqtt5_3_1_2_9, .mqtt5_3_1_2_17, .mqtt5_3_1_2_19, .mqtt5_3_1_3_3,
                    // §3.1.3: the payload is read in its order, driven by the Connect Flags; a
                    // field running past the packet or bytes left after the last one break it.
                    .mqtt311_3_1_3_1, .mqtt5_3_1_3_1]
        case .trailingBytes:
            out += [.mqtt311_3_1_2_11, .mqtt311_3_1_2_18, .mqtt311_3_1_2_20, .mqtt5_3_1_2_16, .mqtt5_3_1_2_18,
                    .mqtt311_3_1_3_1, .mqtt5_3_1_3_1]
        case .publishDupQoS0_311: out += [.mqtt311_4_3_1_1]
        case .publishDupQoS0_5: out += [.mqtt5_4_3_1_1]
        case .publishTopicWildcard311: out += [.mqtt311_4_7_1_1]
        case .publishTopicWildcard5: out += [.mqtt5_4_7_0_1]
        case .utf8Invalid311:
            out += [.mqtt311_3_1_3_4, .mqtt311_3_1_3_10, .mqtt311_3_1_3_11, .mqtt311_3_3_2_1, .mqtt311_3_8_3_1,
                    .mqtt311_3_10_3_1]
        case .utf8Invalid5:
            out += [.mqtt5_3_1_3_4, .mqtt5_3_1_3_11, .mqtt5_3_1_3_12, .mqtt5_3_3_2_1, .mqtt5_3_3_2_13,
                    .mqtt5_3_3_2_19, .mqtt5_3_8_3_1, .mqtt5_3_10_3_1]
        case .utf8Null311: out += [.mqtt311_4_7_3_2]
        case .utf8Null5: out += [.mqtt5_4_7_3_2]
        case .subscribeReservedOptions5: out += [.u50_SUBOPTS_VALUES]
        case .propertyLength: out += [.mqtt5_2_2_2_1]
        default: break
        }
        return out
    }

    /// The statements the codec's own table names for `rule` (its id when that is a statement
    /// id, and its "see also" ids). The codec sits below the catalog and names them as text;
    /// `DecoderCoverageTests` proves every "see also" id names a statement.
    public static func citedByCodec(_ rule: MQTTRule) -> [SpecStatementID] {
        var out: [SpecStatementID] = []
        if let own = SpecStatementID(rawValue: rule.rawValue) { out.append(own) }
        for part in rule.info.seeAlso.split(separator: ",") {
            if let s = SpecStatementID(rawValue: String(part.filter { $0 != " " })) { out.append(s) }
        }
        return out
    }
}
