public import WireCore
public import TCPReassembly

/// The reassembler's consumer: detects each connection's protocol and routes its bytes.
public struct SessionRouter<Sink: AnalysisSink>: StreamConsumer {
    public var sink: Sink
    let ports: PortMap
    var connections: [ConnectionID: ConnectionState] = [:]
    /// Notes about the capture, kept for the file summary as well as passed to the sink.
    var notes: [FileNote] = []

    struct ConnectionState {
        var info: ConnectionInfo
        var appProtocol: AppProtocol = .unknown
        var detection: DetectionBasis = .none
        var decided = false
        var firstFrame: FrameNumber
        var lastFrame: FrameNumber
        /// The client's first bytes, held only while they are too few to decide.
        var sniffed: [UInt8] = []
    }

    init(sink: Sink, ports: PortMap) {
        self.sink = sink
        self.ports = ports
    }

    public mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {
        connections[info.id] = ConnectionState(info: info, firstFrame: frame, lastFrame: frame)
    }

    public mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                                    frame: FrameNumber, time: Timestamp) {
        guard var state = connections[id] else { return }
        state.lastFrame = frame
        if !state.decided { decide(&state, direction, offset: offset, bytes: bytes) }
        connections[id] = state
    }

    public mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                                   frame: FrameNumber, time: Timestamp) {
        guard var state = connections[id] else { return }
        state.lastFrame = frame
        if !state.decided && direction == .clientToServer { decideByPort(&state) }
        connections[id] = state
    }

    public mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                       firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) {}

    public mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                          frame: FrameNumber, time: Timestamp) {
        guard var state = connections.removeValue(forKey: info.id) else { return }
        if !state.decided { decideByPort(&state) }
        sink.connectionFinished(ConnectionSummary(
            info: state.info, stats: stats, appProtocol: state.appProtocol, detection: state.detection,
            end: reason, firstFrame: state.firstFrame, lastFrame: Swift.max(state.lastFrame, frame)))
    }

    mutating func note(_ note: FileNote) {
        notes.append(note)
        sink.fileNote(note)
    }

    /// Content decides when the client's stream is seen from its first byte; else the port.
    private func decide(_ state: inout ConnectionState, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>) {
        guard direction == .clientToServer, offset == UInt64(state.sniffed.count), state.info.sawHandshake else {
            decideByPort(&state)
            return
        }
        var verdict: AppProtocol?
        if state.sniffed.isEmpty {
            verdict = ContentSniffer.sniff(bytes)
            if verdict == nil { for i in 0..<Swift.min(bytes.count, 64) { state.sniffed.append(bytes[i]) } }
        } else {
            for i in 0..<Swift.min(bytes.count, 64) { state.sniffed.append(bytes[i]) }
            verdict = ContentSniffer.sniff(state.sniffed.span)
            if verdict == nil && state.sniffed.count >= 64 { verdict = .unknown }
        }
        guard let found = verdict else { return }
        if found == .unknown {
            decideByPort(&state)
        } else {
            state.appProtocol = found
            state.detection = .content
            state.decided = true
        }
        state.sniffed = []
    }

    private func decideByPort(_ state: inout ConnectionState) {
        state.decided = true
        state.sniffed = []
        if let p = ports.byPort(state.info.server.port) {
            state.appProtocol = p
            state.detection = .port
        }
    }
}
