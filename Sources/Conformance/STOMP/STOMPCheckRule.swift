public import WireCore
public import STOMPCodec

/// What the catalog knows about one STOMP check rule: its id and severity per negotiated version.
public struct STOMPCheckRuleDescriptor: Sendable {
    /// Ids reported for STOMP 1.0, 1.1 and 1.2 sessions (nil: the rule does not apply there).
    public var id10: RuleID?
    public var id11: RuleID?
    public var id12: RuleID?
    /// Severity on 1.0/1.1 sessions (their texts often say "will include" where 1.2 says MUST).
    public var severityBefore12: Severity
    public var severity12: Severity
    public var title: String
    /// The STOMP 1.2 section that states the rule.
    public var section: String
    /// The `SpecStatement.id`s (family stomp) this rule checks.
    public var covers: [SpecStatementID]

    public func id(for v: STOMPVersion) -> RuleID? {
        switch v {
        case .v1_0: id10
        case .v1_1: id11
        case .v1_2: id12
        }
    }

    public func severity(for v: STOMPVersion) -> Severity { v == .v1_2 ? severity12 : severityBefore12 }

    /// The versions the rule applies to.
    public var versions: [STOMPVersion] { STOMPVersion.allCases.filter { id(for: $0) != nil } }

    /// Every id the rule can be reported under.
    public var ids: [RuleID] { [id10, id11, id12].compactMap { $0 } }
}

/// The state and session rules of the STOMP connection checker (syntax rules are the decoder's
/// `STOMPRule`s). The raw value is a stable name (for `--disable` etc.); reported ids are
/// `STOMP-<negotiated version>-<NAME>`, or the spec table's version-specific id where it has one.
public enum STOMPCheckRule: String, CaseIterable, Sendable {
    // Connecting and negotiation
    case connectFirst = "stomp-connect-first"
    case connectHeaders = "stomp-connect-headers"
    case connectedVersion = "stomp-connected-version"
    case negotiatedVersion = "stomp-negotiated-version"
    case noCommonVersion = "stomp-no-common-version"
    case serverHeader = "stomp-server-header"
    case commandNotInVersion = "stomp-command-not-in-version"
    case receiptOnConnect = "stomp-receipt-on-connect"
    // Heart-beating
    case heartBeatSend = "stomp-heart-beat-send"
    case heartBeatEOL = "stomp-heart-beat-eol"
    // Client frames
    case sendDestination = "stomp-send-destination"
    case subscribeDestination = "stomp-subscribe-destination"
    case subscribeID = "stomp-subscribe-id"
    case subscribeIDUnique = "stomp-subscribe-id-unique"
    case subscribeAckMode = "stomp-subscribe-ack-mode"
    case unsubscribeID = "stomp-unsubscribe-id"
    case ackID = "stomp-ack-id"
    case transactionBegin = "stomp-transaction-begin"
    case transactionEnd = "stomp-transaction-end"
    case disconnectLast = "stomp-disconnect-last"
    case contentType = "stomp-content-type"
    // Server frames
    case messageHeaders = "stomp-message-headers"
    case messageAck = "stomp-message-ack"
    case messageIDUnique = "stomp-message-id-unique"
    case receiptID = "stomp-receipt-id"
    case receiptUnanswered = "stomp-receipt-unanswered"
    case errorClose = "stomp-error-close"
    case afterDisconnectReceipt = "stomp-after-disconnect-receipt"
    // Capture notes
    case midStream = "stomp-mid-stream"

    public var descriptor: STOMPCheckRuleDescriptor {
        let all: [STOMPVersion] = [.v1_0, .v1_1, .v1_2]
        let v11: [STOMPVersion] = [.v1_1, .v1_2]
        /// `STOMP-<v>-<name>` for each version in `versions`.
        func make(_ name: String, _ versions: [STOMPVersion], _ before12: Severity, _ at12: Severity, _ title: String,
                  _ section: String, _ covers: [SpecStatementID]) -> STOMPCheckRuleDescriptor {
            func id(_ v: STOMPVersion) -> RuleID? { versions.contains(v) ? RuleID("STOMP-\(v)-\(name)") : nil }
            return STOMPCheckRuleDescriptor(id10: id(.v1_0), id11: id(.v1_1), id12: id(.v1_2), severityBefore12: before12,
                                            severity12: at12, title: title, section: section, covers: covers)
        }
        switch self {
        case .connectFirst:
            return make("CONNECT-FIRST", all, .warning, .warning,
                        "The session does not begin with CONNECT/STOMP, or the server sent other than CONNECTED/ERROR before CONNECTED",
                        "Connecting", [.stomp_1_2_CONNECT_FIRST])
        case .connectHeaders:
            return make("CONNECT-HDRS", v11, .error, .error,
                        "STOMP frame without accept-version, or 1.1+ CONNECT/STOMP without host", "Connecting",
                        [.stomp_1_2_CONNECT_HDRS])
        case .connectedVersion:
            return make("CONNECTED-VERSION", v11, .error, .error,
                        "CONNECTED without a version header although the client sent accept-version", "Connecting",
                        [.stomp_1_2_CONNECTED_VERSION])
        case .negotiatedVersion:
            return make("NEG-VERSION", v11, .error, .error,
                        "CONNECTED names a version the client did not offer in accept-version", "Protocol Negotiation",
                        [.stomp_1_2_NEG_VERSION])
        case .noCommonVersion:
            return make("NEG-NOCOMMON", v11, .warning, .error,
                        "No common version, yet the server sent CONNECTED or kept sending after its ERROR",
                        "Protocol Negotiation", [.stomp_1_2_NEG_NOCOMMON])
        case .serverHeader:
            return make("SERVER-HDR", v11, .error, .error,
                        "The CONNECTED server header does not start with a server name (name[/version])", "Connecting",
                        [.stomp_1_2_SERVER_HDR])
        case .commandNotInVersion:
            return make("FRAME-COMMAND", [.v1_0], .warning, .warning,
                        "STOMP frame on a 1.0 session (the STOMP command exists from 1.1 on)", "Connecting",
                        [.stomp_1_2_FRAME_COMMAND])
        case .receiptOnConnect:
            return make("RECEIPT-SCOPE", all, .info, .info, "CONNECT/STOMP carries a receipt header",
                        "Header receipt", [.stomp_1_2_RECEIPT_SCOPE])
        case .heartBeatSend:
            return make("HB-SEND", v11, .warning, .warning,
                        "Silence longer than the agreed heart-beat interval (+ max(1 s, 50 %)) while the connection stayed up",
                        "Heart-beating", [.stomp_1_2_HB_SEND])
        case .heartBeatEOL:
            return make("HB-EOL", [.v1_1], .error, .error, "STOMP 1.1 heart-beat sent as CR LF instead of a single LF",
                        "Heart-beating", [.stomp_1_1_HB_EOL])
        case .sendDestination:
            return make("SEND-DEST", all, .error, .error, "SEND without a destination header", "SEND",
                        [.stomp_1_2_SEND_DEST])
        case .subscribeDestination:
            return make("SUB-DEST", all, .error, .error, "SUBSCRIBE without a destination header", "SUBSCRIBE",
                        [.stomp_1_2_SUB_DEST])
        case .subscribeID:
            return make("SUB-ID", v11, .error, .error, "SUBSCRIBE without an id header", "SUBSCRIBE id Header",
                        [.stomp_1_2_SUB_ID])
        case .subscribeIDUnique:
            return make("SUB-ID-UNIQUE", v11, .error, .error,
                        "SUBSCRIBE reuses the id of a subscription still active on this connection", "SUBSCRIBE id Header",
                        [.stomp_1_2_SUB_ID_UNIQUE])
        case .subscribeAckMode:
            return make("SUB-ACK-MODE", all, .error, .error,
                        "SUBSCRIBE ack header is not auto, client or client-individual (1.0: auto or client)",
                        "SUBSCRIBE ack Header", [.stomp_1_2_SUB_ACK_MODE])
        case .unsubscribeID:
            return STOMPCheckRuleDescriptor(
                id10: "STOMP-1.0-UNSUB-DEST-OR-ID", id11: "STOMP-1.1-UNSUB-ID", id12: "STOMP-1.2-UNSUB-ID",
                severityBefore12: .error, severity12: .error,
                title: "UNSUBSCRIBE without id (1.0: without destination or id), or id of no active subscription",
                section: "UNSUBSCRIBE", covers: [.stomp_1_2_UNSUB_ID, .stomp_1_0_UNSUB_DEST_OR_ID])
        case .ackID:
            return STOMPCheckRuleDescriptor(
                id10: "STOMP-1.0-ACK-MSGID", id11: "STOMP-1.1-ACK-HDRS", id12: "STOMP-1.2-ACK-ID",
                severityBefore12: .error, severity12: .error,
                title: "ACK/NACK lacks the header naming the message (1.2 id, 1.1 message-id + subscription, 1.0 message-id), or names no MESSAGE seen",
                section: "ACK", covers: [.stomp_1_2_ACK_ID, .stomp_1_1_ACK_HDRS, .stomp_1_0_ACK_MSGID])
        case .transactionBegin:
            return make("TX-BEGIN", all, .error, .error,
                        "BEGIN without a transaction header, or (1.2) reusing the id of an open transaction", "BEGIN",
                        [.stomp_1_2_TX_BEGIN])
        case .transactionEnd:
            return make("TX-END", all, .error, .error,
                        "COMMIT/ABORT without a transaction header (error) or naming no open transaction (warning)",
                        "COMMIT", [.stomp_1_2_TX_END])
        case .disconnectLast:
            return make("DISCONNECT-LAST", v11, .error, .error, "The client sent a frame after its DISCONNECT",
                        "DISCONNECT", [.stomp_1_2_DISCONNECT_LAST])
        case .contentType:
            return make("CT-MIME", v11, .warning, .error, "content-type is not a MIME type (type/subtype[;param=value])",
                        "Header content-type", [.stomp_1_2_CT_MIME])
        case .messageHeaders:
            return make("MSG-HDRS", all, .warning, .error,
                        "MESSAGE lacks destination, message-id or subscription, or its subscription is no subscription id of this connection",
                        "MESSAGE", [.stomp_1_2_MSG_HDRS])
        case .messageAck:
            return make("MSG-ACK", [.v1_2], .error, .error,
                        "MESSAGE on a client / client-individual subscription without an ack header", "MESSAGE",
                        [.stomp_1_2_MSG_ACK])
        case .messageIDUnique:
            return make("MSG-ID-UNIQUE", all, .warning, .warning,
                        "Two MESSAGEs with the same message-id and different bodies on one connection", "MESSAGE",
                        [.stomp_1_2_MSG_ID_UNIQUE])
        case .receiptID:
            return make("RECEIPT-ID", all, .warning, .error,
                        "RECEIPT without receipt-id, or answering no receipt request of this connection", "RECEIPT",
                        [.stomp_1_2_RECEIPT_ID])
        case .receiptUnanswered:
            return make("RECEIPT-UNANSWERED", v11, .warning, .warning,
                        "A SEND/SUBSCRIBE receipt request was answered neither by RECEIPT nor by ERROR although the server kept sending",
                        "SEND", [.stomp_1_2_SEND_FAIL, .stomp_1_2_SUB_FAIL])
        case .errorClose:
            return make("ERROR-CLOSE", [.v1_2], .error, .error, "The server sent more frames after its ERROR",
                        "ERROR", [.stomp_1_2_ERROR_CLOSE])
        case .afterDisconnectReceipt:
            return make("DISCONNECT-RECEIPT", v11, .warning, .warning,
                        "The server sent frames after the RECEIPT answering the client's DISCONNECT", "DISCONNECT",
                        [.stomp_1_2_DISCONNECT_LAST])
        case .midStream:
            return make("MIDSTREAM", all, .info, .info,
                        "Connection captured mid-stream: rules that need CONNECT/CONNECTED cannot be judged", "capture", [])
        }
    }
}
