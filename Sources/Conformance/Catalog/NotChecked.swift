/// Observable statements no rule checks, with the reason a capture cannot prove their violation
/// (`mqscope rules` prints it). Declared once; `StatementCoverageTests` keeps every entry an
/// observable statement that no rule implements.
extension SpecStatement {
    public static let notCheckedReasons: [SpecStatementID: String] = [
        .mqtt311_3_3_5_2: "who may publish is not on the wire, and the server may answer an unauthorized PUBLISH normally or close; a QoS 1/2 PUBLISH left unanswered while the server went on is MQTT311-3.3.4-1",
        .mqtt311_3_10_4_3: "a capture does not show which deliveries the server had started for the removed filters; a QoS 1/2 flow the server left unfinished while it went on is MQTT311-3.3.4-1, and resending on a resumed session is MQTT311-4.4.0-1",
        .mqtt5_3_10_4_3: "a capture does not show which deliveries the server had started for the removed filters; a QoS 1/2 flow the server left unfinished while it went on is MQTT5-3.3.4-1, and resending on a resumed session is MQTT5-4.4.0-1",
        .mqtt311_3_14_4_1: "the capture layer records how a connection ended (both FINs, a RST, half-closed, still open), not which side closed nor when, so a client that kept the connection open after DISCONNECT is not told from a capture that stopped",
        .mqtt5_3_14_4_2: "the capture layer records how a connection ended (both FINs, a RST, half-closed, still open), not which side closed nor when, so a sender that kept the connection open after DISCONNECT is not told from a capture that stopped",
        .mqtt5_3_3_4_4: "whether the server sent one copy for several matching subscriptions or one per subscription is not on the wire; the copy both forbid (no Subscription Identifier although every matching subscription has one) is MQTT5-3.3.4-3",
        .mqtt5_3_3_4_5: "whether the server sent one copy for several matching subscriptions or one per subscription is not on the wire; the copy both forbid (no Subscription Identifier although every matching subscription has one) is MQTT5-3.3.4-3",
        .stomp_1_2_HB_EOL: "bytes other than LF or CR LF between frames begin a frame: they are reported as a malformed frame, which they cannot be told apart from",
    ]
}
