public import WireCore
public import MQTTCodec
public import WebSocketCodec

/// Where a WebSocket handshake head or frame sits: direction, its index among the direction's
/// WebSocket events, the TCP stream bytes and the capture frames.
public struct WebSocketPosition: Sendable {
    public var direction: Direction
    public var index: Int
    public var time: Timestamp
    public var streamRange: StreamRange
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// What the unit is ("handshake request", "binary frame"); findings name it.
    public var what: String = ""

    public init(direction: Direction, index: Int, time: Timestamp, streamRange: StreamRange,
                firstFrame: FrameNumber, lastFrame: FrameNumber) {
        self.direction = direction
        self.index = index
        self.time = time
        self.streamRange = streamRange
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
    }
}

/// Checks one WebSocket connection against MQTT's WebSocket chapter (MQTT 5.0 §6, 3.1.1 §6).
/// What the connection carries is often known only after the handshake (by content), and the
/// MQTT version only at the CONNECT, so the handshake and the first text frames are held until
/// `carries(mqtt:version:)` or `finish()` decides.
public struct MQTTWebSocketChecker: Sendable {
    public private(set) var findings: [CheckFinding] = []

    private var request: (offered: [String], at: WebSocketPosition)?
    private var response: (selected: String?, status: Int?, at: WebSocketPosition)?
    /// Text data messages seen before the content was known (first frame of each; at most 8 kept).
    private var heldText: [WebSocketPosition] = []
    private var heldTextCount = 0
    /// nil until decided: true when the application bytes are MQTT.
    private var isMQTT: Bool?
    private var version: MQTTVersion?
    private var handshakeChecked = false

    public init() {}

    public mutating func clearFindings() { findings.removeAll(keepingCapacity: true) }

    public mutating func handshake(_ h: WebSocketHandshakeSummary, at p: WebSocketPosition) {
        if h.isRequest {
            if request == nil { request = (h.offeredProtocols, p) }
        } else if response == nil, h.upgrades || h.statusCode == 101 {
            response = (h.selectedProtocol, h.statusCode, p)
        }
    }

    /// A WebSocket frame. Only the first frame of a data message says its type (§5.4).
    public mutating func frame(_ f: WebSocketFrameSummary, at p: WebSocketPosition) {
        guard f.opcode == .text else { return }
        switch isMQTT {
        case true?: reportText(p)
        case false?: break
        case nil:
            heldTextCount += 1
            if heldText.count < 8 { heldText.append(p) }
        }
    }

    /// What the application bytes are, once known; `version` when it is MQTT with a known version.
    public mutating func carries(mqtt: Bool, version: MQTTVersion?) {
        if isMQTT == nil {
            isMQTT = mqtt
            if mqtt { for p in heldText { reportText(p) } }
            if mqtt, heldTextCount > heldText.count, let last = heldText.last {
                let more = heldTextCount - heldText.count
                findings.append(finding(.binaryFramesOnly, last, verdict: .violation,
                                        "\(more) more text message(s) carried MQTT before this point (not listed)"))
            }
            heldText = []
        }
        if let version, self.version == nil { self.version = version }
        if mqtt, self.version != nil { checkHandshake() }
    }

    /// The connection ended: decide the handshake rules with what is known.
    public mutating func finish() {
        if isMQTT == true { checkHandshake() }
    }

    private mutating func reportText(_ p: WebSocketPosition) {
        findings.append(finding(.binaryFramesOnly, p, verdict: .violation,
                                "text data frame carries MQTT; MQTT packets must be sent in binary frames"))
    }

    private mutating func checkHandshake() {
        guard !handshakeChecked else { return }
        handshakeChecked = true
        // MQTT 3.1 clients historically offer 'mqttv3.1' (spec-rules.md note on MQTT-6.0.0-3), and
        // their servers select it.
        let legacy = version == .v3_1 && (request?.offered.contains("mqttv3.1") ?? false)
        if let r = request, !r.offered.contains("mqtt") {
            if !legacy {
                let offered = r.offered.isEmpty ? "no subprotocol" : r.offered.joined(separator: ", ")
                findings.append(finding(.subprotocolOffered, r.at, verdict: .violation,
                                        "the opening handshake offers \(offered), not 'mqtt'"))
            }
        }
        if let s = response, s.selected != "mqtt", !(legacy && s.selected == "mqttv3.1") {
            let offeredMQTT = request?.offered.contains("mqtt") ?? true
            if offeredMQTT || s.selected != nil {
                let what = s.selected.map { "selects '\($0)'" } ?? "selects no subprotocol"
                findings.append(finding(.subprotocolSelected, s.at, verdict: .violation,
                                        "the server's 101 response \(what), not 'mqtt'"))
            }
        }
    }

    private func finding(_ r: MQTTWebSocketRule, _ p: WebSocketPosition, verdict: Verdict,
                         _ message: String) -> CheckFinding {
        let frames = p.firstFrame == p.lastFrame ? [p.lastFrame] : [p.firstFrame, p.lastFrame]
        return CheckFinding(rule: r.id, checkRule: r.rawValue, severity: r.severity, verdict: verdict,
                            direction: p.direction, packetIndex: p.index, frames: frames, time: p.time,
                            streamRange: p.streamRange, packetRange: nil, message: message, section: r.section,
                            packetType: p.what.isEmpty ? nil : "WebSocket " + p.what)
    }
}
