public import WireCore

/// The cross-connection rules: what a broker does between the connections of one capture (a
/// publisher's PUBLISH, a subscriber's SUBSCRIBE, the delivery on the subscriber's connection).
/// The raw value is the rule name `--disable` accepts; the ids are the spec statements'.
public enum BrokerCheckRule: String, Sendable, CaseIterable {
    case deliveryMatchesSubscription = "broker-delivery-matches-subscription"
    case deliveryQoS = "broker-delivery-qos"
    case retainOnEstablishedSubscription = "broker-retain-on-established-subscription"
    case noLocal = "broker-no-local"
    case willAfterDisconnect = "broker-will-after-disconnect"
    case willPublished = "broker-will-published"
    case willNotAfterResume = "broker-will-not-after-resume"
    case orderedTopic = "broker-ordered-topic"
    case subscriptionIdentifiers = "broker-subscription-identifiers"
    case sharedOneCopy = "broker-shared-one-copy"
    case sessionPresent = "broker-session-present"
    case sessionNotPresent = "broker-session-not-present"
    case sessionQueued = "broker-session-queued"
    case sessionResend = "broker-session-resend"
    case sessionDup = "broker-session-dup"
    case willRetained = "broker-will-retained"
    case willNotRetained = "broker-will-not-retained"
    case retainedEmptyStored = "broker-retained-empty-not-stored"
    case retainedCleared = "broker-retained-cleared"

    public var descriptor: CheckRuleDescriptor {
        switch self {
        case .deliveryMatchesSubscription:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.3.2-3", id5: "MQTT5-3.3.2-3", severity: .error,
                title: "A PUBLISH the server sends matches a subscription of the receiving session",
                section: "3.1.1 §3.3.2.1, §4.7.2; 5.0 §3.3.2.1, §4.7", covers: [.mqtt311_3_3_2_3, .mqtt5_3_3_2_3, .mqtt311_4_7_2_1, .mqtt5_4_7_2_1])
        case .deliveryQoS:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.8.4-6", id5: "MQTT5-3.8.4-8", severity: .error,
                title: "Delivered QoS is at most min(published QoS, granted QoS) (the highest granted among overlapping subscriptions)",
                section: "3.1.1 §3.8.4, §3.3.5; 5.0 §3.8.4, §3.3.4", covers: [.mqtt311_3_8_4_6, .mqtt5_3_8_4_8, .mqtt5_4_8_2_3])
        case .retainOnEstablishedSubscription:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.3.1-9", id5: "MQTT5-3.3.1-12", severity: .error,
                title: "RETAIN is 0 on a message forwarded to an established subscription (5.0: unless Retain As Published)",
                section: "3.1.1 §3.3.1.3, 5.0 §3.3.1.3", covers: [.mqtt311_3_3_1_9, .mqtt5_3_3_1_12])
        case .noLocal:
            return CheckRuleDescriptor(
                id311: nil, id5: "MQTT5-3.8.3-3", severity: .error,
                title: "No Local: a message is not forwarded to a connection with the publisher's Client Identifier",
                section: "5.0 §3.8.3.1", covers: [.mqtt5_3_8_3_3])
        case .willAfterDisconnect:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.14.4-3", id5: "MQTT5-3.14.4-3", severity: .error,
                title: "A Will is not published after the client's normal DISCONNECT (5.0: reason 0x00)",
                section: "3.1.1 §3.1.2.5, §3.14.4; 5.0 §3.1.2.5, §3.14.4",
                covers: [.mqtt311_3_14_4_3, .mqtt311_3_1_2_10, .mqtt5_3_14_4_3, .mqtt5_3_1_2_10])
        case .willPublished:
            // Timing-based: the window assumes a grace period (`--grace`), hence a warning.
            return CheckRuleDescriptor(
                id311: "MQTT311-3.1.2-8", id5: "MQTT5-3.1.2-8", severity: .warning,
                title: "A Will is published when its connection closes without a normal DISCONNECT (5.0: once the Will Delay Interval, or the session, has ended; not before)",
                section: "3.1.1 §3.1.2.5; 5.0 §3.1.2.5, §3.1.3.2.2", covers: [.mqtt311_3_1_2_8, .mqtt5_3_1_2_8])
        case .willNotAfterResume:
            return CheckRuleDescriptor(
                id311: nil, id5: "MQTT5-3.1.3-9", severity: .warning,
                title: "A Will is not published when its session resumes before the Will Delay Interval has passed",
                section: "5.0 §3.1.3.2.2", covers: [.mqtt5_3_1_3_9])
        case .orderedTopic:
            return CheckRuleDescriptor(
                id311: "MQTT311-4.6.0-6", id5: "MQTT5-4.6.0-5", severity: .warning,
                title: "Messages of one publisher on one topic and QoS reach each subscriber in the order they were published (5.0: not for shared subscriptions)",
                section: "3.1.1 §4.6; 5.0 §4.6",
                covers: [.mqtt311_4_6_0_6, .mqtt311_4_6_0_5, .mqtt5_4_6_0_5, .mqtt5_4_6_0_6])
        case .subscriptionIdentifiers:
            return CheckRuleDescriptor(
                id311: nil, id5: "MQTT5-3.3.4-3", severity: .error,
                title: "A delivery carries the Subscription Identifier of the subscription it matched (one of them when several matched)",
                section: "5.0 §3.3.4, §3.8.2.1.2", covers: [.mqtt5_3_3_4_3])
        case .sharedOneCopy:
            return CheckRuleDescriptor(
                id311: nil, id5: "MQTT5-4.8.2-5", severity: .error,
                title: "A message published to a shared subscription goes to one session of the share group only (never re-sent to another member)",
                section: "5.0 §4.8.2", covers: [.mqtt5_4_8_2_5, .mqtt5_4_8_2_6])
        // Sessions across connections (BrokerChecker+Sessions): judged from the earlier connection
        // of the same Client Identifier, captured from its CONNECT to its close.
        case .sessionPresent:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.2.2-2", id5: "MQTT5-3.2.2-3", severity: .warning,
                title: "Clean Session 0 / Clean Start 0 to a session the server holds (an earlier Clean Session 0 connection; 5.0: its Session Expiry Interval not passed) is answered with Session Present 1",
                section: "3.1.1 §3.1.2.4, §3.2.2.2; 5.0 §3.1.2.4, §3.1.2.11.2, §3.2.2.1.1",
                covers: [.mqtt311_3_2_2_2, .mqtt311_3_1_2_4, .mqtt5_3_2_2_3, .mqtt5_3_1_2_5, .mqtt5_3_1_2_23])
        case .sessionNotPresent:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.2.2-3", id5: "MQTT5-4.1.0-2", severity: .warning,
                title: "Session Present is 0 when no session can exist: the earlier connection had Clean Session 1 (5.0: Session Expiry Interval 0, or it has passed)",
                section: "3.1.1 §3.1.2.4, §3.2.2.2; 5.0 §3.1.2.11.2, §4.1",
                covers: [.mqtt311_3_2_2_3, .mqtt311_3_1_2_6, .mqtt5_4_1_0_2])
        case .sessionQueued:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.1.2-5", id5: "MQTT5-3.1.2-23", severity: .warning,
                title: "QoS 1/2 messages matching a disconnected session's subscriptions are delivered when the session resumes",
                section: "3.1.1 §3.1.2.4, §4.1; 5.0 §3.1.2.11.2, §4.1",
                covers: [.mqtt311_3_1_2_5, .mqtt5_3_1_2_23])
        case .sessionResend:
            return CheckRuleDescriptor(
                id311: "MQTT311-4.4.0-1", id5: "MQTT5-4.4.0-1", severity: .warning,
                title: "On a resumed session (Session Present 1) the server re-sends the PUBLISHes left unacknowledged and the PUBRELs left uncompleted, with their Packet Identifiers",
                section: "3.1.1 §4.4; 5.0 §4.4",
                covers: [.mqtt311_4_4_0_1, .mqtt5_4_4_0_1, .mqtt5_4_3_2_3, .mqtt5_4_3_3_3, .mqtt5_4_3_3_5])
        case .sessionDup:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.3.1-1", id5: "MQTT5-3.3.1-1", severity: .error,
                title: "A PUBLISH re-sent on a resumed session (same Packet Identifier, topic and payload as one left unacknowledged) has DUP=1",
                section: "3.1.1 §3.3.1.1, §4.4; 5.0 §3.3.1.1, §4.4", covers: [.mqtt311_3_3_1_1, .mqtt5_3_3_1_1])
        case .willRetained:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.1.2-17", id5: "MQTT5-3.1.2-15", severity: .warning,
                title: "A Will with Will Retain 1 is published retained: a subscription made after its publication gets it with RETAIN=1 (unless replaced)",
                section: "3.1.1 §3.1.2.7; 5.0 §3.1.2.7", covers: [.mqtt311_3_1_2_17, .mqtt5_3_1_2_15])
        case .willNotRetained:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.1.2-16", id5: "MQTT5-3.1.2-14", severity: .error,
                title: "A Will with Will Retain 0 is published non-retained: a later subscription does not get it as a retained message",
                section: "3.1.1 §3.1.2.7; 5.0 §3.1.2.7", covers: [.mqtt311_3_1_2_16, .mqtt5_3_1_2_14])
        case .retainedEmptyStored:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.3.1-11", id5: "MQTT5-3.3.1-7", severity: .error,
                title: "A zero-byte retained message is never stored: no RETAIN=1 PUBLISH with an empty payload is sent because of a subscription",
                section: "3.1.1 §3.3.1.3; 5.0 §3.3.1.3", covers: [.mqtt311_3_3_1_11, .mqtt5_3_3_1_7])
        case .retainedCleared:
            return CheckRuleDescriptor(
                id311: "MQTT311-3.3.1-10", id5: "MQTT5-3.3.1-6", severity: .error,
                title: "A retained PUBLISH with an empty payload deletes the topic's retained message: a subscription made after it does not get the old one",
                section: "3.1.1 §3.3.1.3; 5.0 §3.3.1.3", covers: [.mqtt311_3_3_1_10, .mqtt5_3_3_1_6])
        }
    }
}
