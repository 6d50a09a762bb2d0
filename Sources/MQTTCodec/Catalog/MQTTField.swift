public import WireCore

/// Every field the MQTT codec annotates. The exhaustive `spec` switch is the only place a field
/// is declared; abbreviations are stable (filters, JSON output and fixtures use them).
public enum MQTTField: UInt16, FieldCatalog {
    public static let catalogNumber: UInt16 = 1

    // Packet structure
    case packet = 0
    case fixedHeader
    case packetType
    case flags
    case flagsDup
    case flagsQoS
    case flagsRetain
    case flagsReserved
    case remainingLength
    case variableHeader
    case payload
    case packetID
    case trailingBytes

    // CONNECT
    case connectProtocolName
    case connectProtocolLevel
    case connectFlags
    case connectFlagsUserName
    case connectFlagsPassword
    case connectFlagsWillRetain
    case connectFlagsWillQoS
    case connectFlagsWill
    case connectFlagsCleanSession
    case connectFlagsReserved
    case connectKeepAlive
    case connectClientID
    case connectWillProperties
    case connectWillTopic
    case connectWillPayload
    case connectUserName
    case connectPassword

    // CONNACK
    case connackFlags
    case connackFlagsSessionPresent
    case connackFlagsReserved
    case connackReturnCode
    case connackReasonCode

    // PUBLISH
    case publishTopic
    case publishPacketID
    case publishPayload

    // Acknowledgements and other reason codes (MQTT 5.0)
    case pubackReasonCode
    case pubrecReasonCode
    case pubrelReasonCode
    case pubcompReasonCode

    // SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK
    case subscribeSubscription
    case subscribeTopicFilter
    case subscribeOptions
    case subscribeOptionsQoS
    case subscribeOptionsNoLocal
    case subscribeOptionsRetainAsPublished
    case subscribeOptionsRetainHandling
    case subscribeOptionsReserved
    case subackReturnCode
    case subackReasonCode
    case unsubscribeTopicFilter
    case unsubackReasonCode

    // DISCONNECT / AUTH
    case disconnectReasonCode
    case authReasonCode

    // Properties (MQTT 5.0 §2.2.2)
    case properties
    case propertiesLength
    case propertyID
    case propertyUnknown
    case propertyPayloadFormatIndicator
    case propertyMessageExpiryInterval
    case propertyContentType
    case propertyResponseTopic
    case propertyCorrelationData
    case propertySubscriptionIdentifier
    case propertySessionExpiryInterval
    case propertyAssignedClientIdentifier
    case propertyServerKeepAlive
    case propertyAuthenticationMethod
    case propertyAuthenticationData
    case propertyRequestProblemInformation
    case propertyWillDelayInterval
    case propertyRequestResponseInformation
    case propertyResponseInformation
    case propertyServerReference
    case propertyReasonString
    case propertyReceiveMaximum
    case propertyTopicAliasMaximum
    case propertyTopicAlias
    case propertyMaximumQoS
    case propertyRetainAvailable
    case propertyUserProperty
    case propertyUserPropertyName
    case propertyUserPropertyValue
    case propertyMaximumPacketSize
    case propertyWildcardSubscriptionAvailable
    case propertySubscriptionIdentifierAvailable
    case propertySharedSubscriptionAvailable

    static let qosNames: [(UInt64, String)] = [
        (0, "At most once delivery"), (1, "At least once delivery"), (2, "Exactly once delivery"),
        (3, "Reserved (invalid)"),
    ]
    static let retainHandlingNames: [(UInt64, String)] = [
        (0, "Send retained messages at subscribe"), (1, "Send retained messages only for new subscriptions"),
        (2, "Do not send retained messages"), (3, "Reserved (invalid)"),
    ]
    static let payloadFormatNames: [(UInt64, String)] = [(0, "Unspecified bytes"), (1, "UTF-8 character data")]

    public var spec: FieldSpec {
        switch self {
        case .packet:
            FieldSpec("mqtt.packet", "MQTT Control Packet", .group, .named(MQTTPacketType.valueNames),
                      meaning: "One MQTT control packet", ref: "MQTT 5.0 §2")
        case .fixedHeader:
            FieldSpec("mqtt.fixed_header", "Fixed Header", .group,
                      meaning: "Packet type, flags and Remaining Length", ref: "MQTT 5.0 §2.1.1")
        case .packetType:
            FieldSpec("mqtt.packet_type", "Packet Type", .flag, .named(MQTTPacketType.valueNames),
                      meaning: "High nibble of the first byte", ref: "MQTT 5.0 §2.1.2")
        case .flags:
            FieldSpec("mqtt.flags", "Flags", .flag, .hex,
                      meaning: "Low nibble of the first byte", ref: "MQTT 5.0 §2.1.3")
        case .flagsDup:
            FieldSpec("mqtt.flags.dup", "DUP", .flag, .setNotSet,
                      meaning: "PUBLISH re-delivery flag", ref: "MQTT 5.0 §3.3.1.1")
        case .flagsQoS:
            FieldSpec("mqtt.flags.qos", "QoS Level", .flag, .named(Self.qosNames),
                      meaning: "PUBLISH quality of service", ref: "MQTT 5.0 §3.3.1.2")
        case .flagsRetain:
            FieldSpec("mqtt.flags.retain", "RETAIN", .flag, .setNotSet,
                      meaning: "PUBLISH retain flag", ref: "MQTT 5.0 §3.3.1.3")
        case .flagsReserved:
            FieldSpec("mqtt.flags.reserved", "Reserved Flags", .flag, .hex,
                      meaning: "Flag nibble with a fixed value for non-PUBLISH packets", ref: "MQTT 5.0 §2.1.3")
        case .remainingLength:
            FieldSpec("mqtt.remaining_length", "Remaining Length", .varint, .decimal,
                      meaning: "Bytes after the fixed header", ref: "MQTT 5.0 §2.1.4")
        case .variableHeader:
            FieldSpec("mqtt.variable_header", "Variable Header", .group, ref: "MQTT 5.0 §2.2")
        case .payload:
            FieldSpec("mqtt.payload", "Payload", .group, ref: "MQTT 5.0 §2.3")
        case .packetID:
            FieldSpec("mqtt.packet_id", "Packet Identifier", .uint16, .decimal,
                      meaning: "Matches a packet with its acknowledgement", ref: "MQTT 5.0 §2.2.1")
        case .trailingBytes:
            FieldSpec("mqtt.trailing_bytes", "Trailing Bytes", .binary, .bytes,
                      meaning: "Bytes after the last field the packet defines", ref: "MQTT 5.0 §2.1.4")

        case .connectProtocolName:
            FieldSpec("mqtt.connect.protocol_name", "Protocol Name", .utf8, .text,
                      meaning: "\"MQTT\" (3.1.1, 5.0) or \"MQIsdp\" (3.1)", ref: "MQTT 5.0 §3.1.2.1")
        case .connectProtocolLevel:
            FieldSpec("mqtt.connect.protocol_level", "Protocol Version", .uint8, .named(MQTTVersion.levelNames),
                      meaning: "3 = 3.1, 4 = 3.1.1, 5 = 5.0; bridges add 0x80", ref: "MQTT 5.0 §3.1.2.2")
        case .connectFlags:
            FieldSpec("mqtt.connect.flags", "Connect Flags", .uint8, .hex, ref: "MQTT 5.0 §3.1.2.3")
        case .connectFlagsUserName:
            FieldSpec("mqtt.connect.flags.user_name", "User Name Flag", .flag, .setNotSet, ref: "MQTT 5.0 §3.1.2.8")
        case .connectFlagsPassword:
            FieldSpec("mqtt.connect.flags.password", "Password Flag", .flag, .setNotSet, ref: "MQTT 5.0 §3.1.2.9")
        case .connectFlagsWillRetain:
            FieldSpec("mqtt.connect.flags.will_retain", "Will Retain", .flag, .setNotSet, ref: "MQTT 5.0 §3.1.2.7")
        case .connectFlagsWillQoS:
            FieldSpec("mqtt.connect.flags.will_qos", "Will QoS", .flag, .named(Self.qosNames), ref: "MQTT 5.0 §3.1.2.6")
        case .connectFlagsWill:
            FieldSpec("mqtt.connect.flags.will", "Will Flag", .flag, .setNotSet, ref: "MQTT 5.0 §3.1.2.5")
        case .connectFlagsCleanSession:
            FieldSpec("mqtt.connect.flags.clean_session", "Clean Session / Clean Start", .flag, .setNotSet,
                      meaning: "3.x Clean Session, 5.0 Clean Start", ref: "MQTT 5.0 §3.1.2.4")
        case .connectFlagsReserved:
            FieldSpec("mqtt.connect.flags.reserved", "Reserved", .flag, .setNotSet,
                      meaning: "Must be 0", ref: "MQTT 5.0 §3.1.2.3")
        case .connectKeepAlive:
            FieldSpec("mqtt.connect.keep_alive", "Keep Alive", .uint16, .decimalUnit("s"),
                      meaning: "Maximum seconds between client packets", ref: "MQTT 5.0 §3.1.2.10")
        case .connectClientID:
            FieldSpec("mqtt.connect.client_id", "Client Identifier", .utf8, .text, ref: "MQTT 5.0 §3.1.3.1")
        case .connectWillProperties:
            FieldSpec("mqtt.connect.will_properties", "Will Properties", .group, ref: "MQTT 5.0 §3.1.3.2")
        case .connectWillTopic:
            FieldSpec("mqtt.connect.will_topic", "Will Topic", .utf8, .text, ref: "MQTT 5.0 §3.1.3.3")
        case .connectWillPayload:
            FieldSpec("mqtt.connect.will_payload", "Will Payload", .binary, .bytes, ref: "MQTT 5.0 §3.1.3.4")
        case .connectUserName:
            FieldSpec("mqtt.connect.user_name", "User Name", .utf8, .text, ref: "MQTT 5.0 §3.1.3.5")
        case .connectPassword:
            FieldSpec("mqtt.connect.password", "Password", .binary, .bytes,
                      meaning: "Redacted unless --show-secrets", ref: "MQTT 5.0 §3.1.3.6")

        case .connackFlags:
            FieldSpec("mqtt.connack.flags", "Connect Acknowledge Flags", .uint8, .hex, ref: "MQTT 5.0 §3.2.2.1")
        case .connackFlagsSessionPresent:
            FieldSpec("mqtt.connack.flags.session_present", "Session Present", .flag, .setNotSet,
                      ref: "MQTT 5.0 §3.2.2.1.1")
        case .connackFlagsReserved:
            FieldSpec("mqtt.connack.flags.reserved", "Reserved", .flag, .hex, meaning: "Must be 0",
                      ref: "MQTT 5.0 §3.2.2.1")
        case .connackReturnCode:
            FieldSpec("mqtt.connack.return_code", "Connect Return Code", .uint8,
                      .named(MQTTReasonCodes.connackReturnCodes), ref: "MQTT 3.1.1 §3.2.2.3")
        case .connackReasonCode:
            FieldSpec("mqtt.connack.reason_code", "Connect Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.connack)), ref: "MQTT 5.0 §3.2.2.2")

        case .publishTopic:
            FieldSpec("mqtt.publish.topic", "Topic Name", .utf8, .text, ref: "MQTT 5.0 §3.3.2.1")
        case .publishPacketID:
            FieldSpec("mqtt.publish.packet_id", "Packet Identifier", .uint16, .decimal,
                      meaning: "Present only for QoS 1 and 2", ref: "MQTT 5.0 §3.3.2.2")
        case .publishPayload:
            FieldSpec("mqtt.publish.payload", "Application Message", .binary, .bytes, ref: "MQTT 5.0 §3.3.3")

        case .pubackReasonCode:
            FieldSpec("mqtt.puback.reason_code", "PUBACK Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.puback)), ref: "MQTT 5.0 §3.4.2.1")
        case .pubrecReasonCode:
            FieldSpec("mqtt.pubrec.reason_code", "PUBREC Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.pubrec)), ref: "MQTT 5.0 §3.5.2.1")
        case .pubrelReasonCode:
            FieldSpec("mqtt.pubrel.reason_code", "PUBREL Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.pubrel)), ref: "MQTT 5.0 §3.6.2.1")
        case .pubcompReasonCode:
            FieldSpec("mqtt.pubcomp.reason_code", "PUBCOMP Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.pubcomp)), ref: "MQTT 5.0 §3.7.2.1")

        case .subscribeSubscription:
            FieldSpec("mqtt.subscribe.subscription", "Subscription", .group,
                      meaning: "One Topic Filter and its options", ref: "MQTT 5.0 §3.8.3")
        case .subscribeTopicFilter:
            FieldSpec("mqtt.subscribe.topic_filter", "Topic Filter", .utf8, .text, ref: "MQTT 5.0 §3.8.3")
        case .subscribeOptions:
            FieldSpec("mqtt.subscribe.options", "Subscription Options", .uint8, .hex,
                      meaning: "5.0 options byte; the Requested QoS byte in 3.x", ref: "MQTT 5.0 §3.8.3.1")
        case .subscribeOptionsQoS:
            FieldSpec("mqtt.subscribe.options.qos", "Maximum QoS", .flag, .named(Self.qosNames),
                      ref: "MQTT 5.0 §3.8.3.1")
        case .subscribeOptionsNoLocal:
            FieldSpec("mqtt.subscribe.options.no_local", "No Local", .flag, .setNotSet, ref: "MQTT 5.0 §3.8.3.1")
        case .subscribeOptionsRetainAsPublished:
            FieldSpec("mqtt.subscribe.options.retain_as_published", "Retain As Published", .flag, .setNotSet,
                      ref: "MQTT 5.0 §3.8.3.1")
        case .subscribeOptionsRetainHandling:
            FieldSpec("mqtt.subscribe.options.retain_handling", "Retain Handling", .flag,
                      .named(Self.retainHandlingNames), ref: "MQTT 5.0 §3.8.3.1")
        case .subscribeOptionsReserved:
            FieldSpec("mqtt.subscribe.options.reserved", "Reserved", .flag, .hex, meaning: "Must be 0",
                      ref: "MQTT 5.0 §3.8.3.1")
        case .subackReturnCode:
            FieldSpec("mqtt.suback.return_code", "Return Code", .uint8, .named(MQTTReasonCodes.subackReturnCodes),
                      ref: "MQTT 3.1.1 §3.9.3")
        case .subackReasonCode:
            FieldSpec("mqtt.suback.reason_code", "SUBACK Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.suback)), ref: "MQTT 5.0 §3.9.3")
        case .unsubscribeTopicFilter:
            FieldSpec("mqtt.unsubscribe.topic_filter", "Topic Filter", .utf8, .text, ref: "MQTT 5.0 §3.10.3")
        case .unsubackReasonCode:
            FieldSpec("mqtt.unsuback.reason_code", "UNSUBACK Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.unsuback)), ref: "MQTT 5.0 §3.11.3")

        case .disconnectReasonCode:
            FieldSpec("mqtt.disconnect.reason_code", "Disconnect Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.disconnect)), ref: "MQTT 5.0 §3.14.2.1")
        case .authReasonCode:
            FieldSpec("mqtt.auth.reason_code", "Authenticate Reason Code", .uint8,
                      .named(MQTTReasonCodes.valueNames(.auth)), ref: "MQTT 5.0 §3.15.2.1")

        case .properties:
            FieldSpec("mqtt.properties", "Properties", .group, ref: "MQTT 5.0 §2.2.2")
        case .propertiesLength:
            FieldSpec("mqtt.properties.length", "Property Length", .varint, .decimal, ref: "MQTT 5.0 §2.2.2.1")
        case .propertyID:
            FieldSpec("mqtt.property.id", "Property Identifier", .varint, .named(MQTTProperty.idNames),
                      ref: "MQTT 5.0 §2.2.2.2")
        case .propertyUnknown:
            FieldSpec("mqtt.property.unknown", "Unknown Property", .binary, .bytes,
                      meaning: "An identifier MQTT 5.0 does not define; the rest of the block is not parsed",
                      ref: "MQTT 5.0 §2.2.2.2")
        case .propertyPayloadFormatIndicator:
            FieldSpec("mqtt.property.payload_format_indicator", "Payload Format Indicator", .uint8,
                      .named(Self.payloadFormatNames), ref: "MQTT 5.0 §3.3.2.3.2")
        case .propertyMessageExpiryInterval:
            FieldSpec("mqtt.property.message_expiry_interval", "Message Expiry Interval", .uint32,
                      .decimalUnit("s"), ref: "MQTT 5.0 §3.3.2.3.3")
        case .propertyContentType:
            FieldSpec("mqtt.property.content_type", "Content Type", .utf8, .text, ref: "MQTT 5.0 §3.3.2.3.9")
        case .propertyResponseTopic:
            FieldSpec("mqtt.property.response_topic", "Response Topic", .utf8, .text, ref: "MQTT 5.0 §3.3.2.3.5")
        case .propertyCorrelationData:
            FieldSpec("mqtt.property.correlation_data", "Correlation Data", .binary, .bytes,
                      ref: "MQTT 5.0 §3.3.2.3.6")
        case .propertySubscriptionIdentifier:
            FieldSpec("mqtt.property.subscription_identifier", "Subscription Identifier", .varint, .decimal,
                      meaning: "1 … 268,435,455", ref: "MQTT 5.0 §3.8.2.1.2")
        case .propertySessionExpiryInterval:
            FieldSpec("mqtt.property.session_expiry_interval", "Session Expiry Interval", .uint32,
                      .decimalUnit("s"), ref: "MQTT 5.0 §3.1.2.11.2")
        case .propertyAssignedClientIdentifier:
            FieldSpec("mqtt.property.assigned_client_identifier", "Assigned Client Identifier", .utf8, .text,
                      ref: "MQTT 5.0 §3.2.2.3.7")
        case .propertyServerKeepAlive:
            FieldSpec("mqtt.property.server_keep_alive", "Server Keep Alive", .uint16, .decimalUnit("s"),
                      ref: "MQTT 5.0 §3.2.2.3.14")
        case .propertyAuthenticationMethod:
            FieldSpec("mqtt.property.authentication_method", "Authentication Method", .utf8, .text,
                      ref: "MQTT 5.0 §3.1.2.11.9")
        case .propertyAuthenticationData:
            FieldSpec("mqtt.property.authentication_data", "Authentication Data", .binary, .bytes,
                      meaning: "Redacted unless --show-secrets", ref: "MQTT 5.0 §3.1.2.11.10")
        case .propertyRequestProblemInformation:
            FieldSpec("mqtt.property.request_problem_information", "Request Problem Information", .uint8,
                      .decimal, meaning: "0 or 1", ref: "MQTT 5.0 §3.1.2.11.7")
        case .propertyWillDelayInterval:
            FieldSpec("mqtt.property.will_delay_interval", "Will Delay Interval", .uint32, .decimalUnit("s"),
                      ref: "MQTT 5.0 §3.1.3.2.2")
        case .propertyRequestResponseInformation:
            FieldSpec("mqtt.property.request_response_information", "Request Response Information", .uint8,
                      .decimal, meaning: "0 or 1", ref: "MQTT 5.0 §3.1.2.11.6")
        case .propertyResponseInformation:
            FieldSpec("mqtt.property.response_information", "Response Information", .utf8, .text,
                      ref: "MQTT 5.0 §3.2.2.3.15")
        case .propertyServerReference:
            FieldSpec("mqtt.property.server_reference", "Server Reference", .utf8, .text,
                      ref: "MQTT 5.0 §3.2.2.3.16")
        case .propertyReasonString:
            FieldSpec("mqtt.property.reason_string", "Reason String", .utf8, .text, ref: "MQTT 5.0 §3.2.2.3.9")
        case .propertyReceiveMaximum:
            FieldSpec("mqtt.property.receive_maximum", "Receive Maximum", .uint16, .decimal,
                      meaning: "Not 0", ref: "MQTT 5.0 §3.1.2.11.3")
        case .propertyTopicAliasMaximum:
            FieldSpec("mqtt.property.topic_alias_maximum", "Topic Alias Maximum", .uint16, .decimal,
                      ref: "MQTT 5.0 §3.1.2.11.5")
        case .propertyTopicAlias:
            FieldSpec("mqtt.property.topic_alias", "Topic Alias", .uint16, .decimal, meaning: "Not 0",
                      ref: "MQTT 5.0 §3.3.2.3.4")
        case .propertyMaximumQoS:
            FieldSpec("mqtt.property.maximum_qos", "Maximum QoS", .uint8, .decimal, meaning: "0 or 1",
                      ref: "MQTT 5.0 §3.2.2.3.4")
        case .propertyRetainAvailable:
            FieldSpec("mqtt.property.retain_available", "Retain Available", .uint8, .decimal, meaning: "0 or 1",
                      ref: "MQTT 5.0 §3.2.2.3.5")
        case .propertyUserProperty:
            FieldSpec("mqtt.property.user_property", "User Property", .stringPair, .text, ref: "MQTT 5.0 §3.1.2.11.8")
        case .propertyUserPropertyName:
            FieldSpec("mqtt.property.user_property.name", "Name", .utf8, .text, ref: "MQTT 5.0 §1.5.7")
        case .propertyUserPropertyValue:
            FieldSpec("mqtt.property.user_property.value", "Value", .utf8, .text, ref: "MQTT 5.0 §1.5.7")
        case .propertyMaximumPacketSize:
            FieldSpec("mqtt.property.maximum_packet_size", "Maximum Packet Size", .uint32, .decimal,
                      meaning: "Not 0", ref: "MQTT 5.0 §3.1.2.11.4")
        case .propertyWildcardSubscriptionAvailable:
            FieldSpec("mqtt.property.wildcard_subscription_available", "Wildcard Subscription Available", .uint8,
                      .decimal, meaning: "0 or 1", ref: "MQTT 5.0 §3.2.2.3.11")
        case .propertySubscriptionIdentifierAvailable:
            FieldSpec("mqtt.property.subscription_identifier_available", "Subscription Identifier Available",
                      .uint8, .decimal, meaning: "0 or 1", ref: "MQTT 5.0 §3.2.2.3.12")
        case .propertySharedSubscriptionAvailable:
            FieldSpec("mqtt.property.shared_subscription_available", "Shared Subscription Available", .uint8,
                      .decimal, meaning: "0 or 1", ref: "MQTT 5.0 §3.2.2.3.13")
        }
    }
}
