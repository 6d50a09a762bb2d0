import WireCore
public import PacketCapture
import PacketLayers
import TCPReassembly

/// Runs the pipeline over one capture file: capture → layers → reassembly → router → sink.
public enum CaptureAnalysis {
    /// Analyses `path` ("-" for standard input). Throws only when the file cannot be used at all
    /// (unreadable, not a capture, unsupported link type); a damaged record later in the file
    /// stops reading there and is reported in the summary, after everything before it was processed.
    public static func run<Sink: AnalysisSink>(
        path: String, options: AnalysisOptions, sink: inout Sink
    ) throws(CaptureError) -> FileSummary {
        var source = try CaptureSource(file: path)
        return try run(source: &source, options: options, sink: &sink, control: RunControl())
    }

    /// Runs the pipeline over an open source (a file or a live interface) until its end, a
    /// damaged record, or `control` says stop.
    public static func run<Sink: AnalysisSink>(
        source: inout CaptureSource, options: AnalysisOptions, sink: inout Sink, control: RunControl
    ) throws(CaptureError) -> FileSummary {
        let path = source.name
        guard let linkType = LinkType(dlt: source.dataLinkType) else {
            throw CaptureError("unsupported link type \(source.dataLinkName) (DLT \(source.dataLinkType))")
        }
        var summary = FileSummary(name: path, linkType: source.dataLinkName, snapLength: source.snapLength)
        var decoder = PacketDecoder(linkType: linkType)
        var limits = options.limits
        // Without overlap comparison there is nothing to compare with: keep no history.
        if !sink.wantsOverlapConflicts { limits.overlapHistory = 0 }
        var assembler = Assembler(
            consumer: SessionRouter(sink: sink, options: options),
            limits: limits, serverPorts: options.ports.serverPorts)
        var lastFrame: FrameNumber = 0
        var lastTime = Timestamp.zero
        var firstTime: Timestamp?
        var malformedReported = 0

        reading: while true {
            switch control.shouldStop(lastFrame) {
            case nil: break
            case .now: break reading
            // A live source still hands out what it already captured, then ends.
            case .afterDraining: source.beginDrain()
            }
            let status = source.next { frame, header in
                control.frameRead(frame, header)
                lastFrame = header.number
                lastTime = header.time
                if firstTime == nil {
                    firstTime = header.time
                    assembler.consumer.captureStart = header.time
                }
                let outcome = decoder.decode(frame: frame, wireLength: header.wireLength) { segment, payload in
                    assembler.process(segment, payload: payload, frame: header.number, time: header.time,
                                      frameLength: header.wireLength)
                }
                if case .malformed(let problem) = outcome, malformedReported < 100 {
                    malformedReported += 1
                    assembler.consumer.note(FileNote(kind: .malformedFrame, frame: header.number,
                                                     message: problem.rawValue))
                }
            }
            switch status {
            case .frame: continue
            case .idle: continue
            case .endOfFile: break reading
            case .damaged(let message):
                summary.damaged = message
                assembler.consumer.note(FileNote(kind: .damagedRecord, frame: lastFrame &+ 1,
                                                 message: "record after frame \(lastFrame): \(message)"))
                break reading
            }
        }
        decoder.finish()
        assembler.finish(frame: lastFrame, time: lastTime)
        if assembler.limitHits > 0 {
            assembler.consumer.note(FileNote(kind: .bufferLimit, frame: nil,
                message: "reassembly buffer limit reached \(assembler.limitHits) time(s); see the gaps marked buffer-limit"))
        }
        let s = decoder.stats
        if s.fragmentsUnfinished > 0 {
            assembler.consumer.note(FileNote(kind: .unfinishedFragments, frame: nil,
                message: "\(s.fragmentsUnfinished) IP fragment(s) never completed a datagram"))
        }
        summary.frames = lastFrame
        summary.firstTime = firstTime
        summary.lastTime = firstTime == nil ? nil : lastTime
        summary.layers = s
        summary.notes = assembler.consumer.notes
        sink = assembler.consumer.sink
        return summary
    }
}

/// Hooks for runs that do not simply read a file to its end (live capture): a stop condition
/// checked between frames, and an observer that sees every raw frame (e.g. to write it to disk).
public struct RunControl {
    public enum Stop: Sendable {
        /// Stop at once (a packet count was reached).
        case now
        /// Stop, but first read what a live source already captured (a signal, a time limit).
        case afterDraining
    }
    /// Asked between frames with the number of frames read so far.
    public var shouldStop: (FrameNumber) -> Stop?
    public var frameRead: (Span<UInt8>, FrameHeader) -> Void
    public init(shouldStop: @escaping (FrameNumber) -> Stop? = { _ in nil },
                frameRead: @escaping (Span<UInt8>, FrameHeader) -> Void = { _, _ in }) {
        self.shouldStop = shouldStop
        self.frameRead = frameRead
    }
}
