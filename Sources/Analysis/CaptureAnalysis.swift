import TLSCodec
import WireCore
public import PacketCapture
import PacketLayers
import TCPReassembly
import Dispatch

/// Runs the pipeline over one capture file: capture → layers → reassembly → router → sink.
public enum CaptureAnalysis {
    /// Analyses `path` ("-" for standard input). Throws only when the file cannot be used at all
    /// (unreadable, not a capture, unsupported link type); a damaged record later in the file
    /// stops reading there and is reported in the summary, after everything before it was processed.
    public static func run<Sink: AnalysisSink>(
        path: String, options: AnalysisOptions, sink: inout Sink, control: RunControl = RunControl()
    ) throws(CaptureError) -> FileSummary {
        var source = try CaptureSource(file: path)
        return try run(source: &source, options: options, sink: &sink, control: control)
    }

    /// Runs the pipeline over an open source (a file or a live interface) until its end, a
    /// damaged record, or `control` says stop.
    ///
    /// With `shard`, only the connections of that shard are analysed (see `runSharded`); frames
    /// are still all read and decoded, and only shard 0 reports problems with frames. With
    /// `decodingShard`, every connection is reassembled but only that shard's are decoded (see
    /// `runOrdered`).
    public static func run<Sink: AnalysisSink>(
        source: inout CaptureSource, options: AnalysisOptions, sink: inout Sink, control: RunControl,
        shard: Shard = Shard(index: 0, count: 1), decodingShard: Shard = Shard(index: 0, count: 1)
    ) throws(CaptureError) -> FileSummary {
        let path = source.name
        guard let linkType = LinkType(dlt: source.dataLinkType) else {
            throw CaptureError("unsupported link type \(source.dataLinkName) (DLT \(source.dataLinkType))")
        }
        var summary = FileSummary(name: path, linkType: source.dataLinkName, snapLength: source.snapLength)
        var decoder = PacketDecoder(linkType: linkType)
        // TLS secrets embedded in a pcapng file (Decryption Secrets Blocks) join the given key log.
        var options = options
        if path != "-" {
            var log = options.tlsKeyLog ?? TLSKeyLog()
            if log.add(pcapngSecretsOf: path) > 0 { options.tlsKeyLog = log }
        }
        var limits = options.limits
        // Without overlap comparison there is nothing to compare with: keep no history.
        if !sink.wantsOverlapConflicts { limits.overlapHistory = 0 }
        var router = SessionRouter(sink: sink, options: options)
        router.shard = decodingShard
        var assembler = Assembler(consumer: router, limits: limits, serverPorts: options.ports.serverPorts)
        assembler.historyShard = (decodingShard.index, decodingShard.count)
        var lastFrame: FrameNumber = 0
        var lastTime = Timestamp.zero
        var firstTime: Timestamp?
        var malformedReported = 0
        let wantsSegments = sink.wantsSegments

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
                    if shard.count > 1 && ConnectionSharding.shard(of: segment, among: shard.count) != shard.index {
                        return
                    }
                    // Before reassembly takes it: a segment that ends a connection is seen first.
                    if wantsSegments {
                        assembler.consumer.sink.tcpSegment(segment, payloadLength: payload.count + segment.missingPayload,
                                                           time: header.time)
                    }
                    assembler.process(segment, payload: payload, frame: header.number, time: header.time,
                                      frameLength: header.wireLength)
                }
                if case .malformed(let problem) = outcome, malformedReported < 100, shard.index == 0 {
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
                guard shard.index == 0 else { break reading }   // every shard meets it; one reports it
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
        if assembler.evictions > 0 {
            assembler.consumer.note(FileNote(kind: .connectionLimit, frame: nil,
                message: "\(assembler.evictions) connection(s) evicted at the --max-connections cap of \(options.limits.maxConnections), the oldest idle first; see the connections ending 'evicted'"))
        }
        if assembler.idleCloses > 0 {
            assembler.consumer.note(FileNote(kind: .idleTimeout, frame: nil,
                message: "\(assembler.idleCloses) connection(s) closed after an idle timeout (--half-open-timeout \(options.limits.halfOpenTimeoutSeconds) s, --idle-timeout \(options.limits.idleTimeoutSeconds) s); see the connections ending 'idle'"))
        }
        let s = decoder.stats
        if s.fragmentsUnfinished > 0 && shard.index == 0 {
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

/// One of `count` parts of a capture's connections (`CaptureAnalysis.runSharded`).
public struct Shard: Sendable {
    public var index: Int
    public var count: Int
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }
}

extension CaptureAnalysis {
    /// Analyses the file `path` on `shards` threads at once, each reading the whole file through its
    /// own libpcap handle and taking a share of the connections (by 4-tuple hash), so nothing is
    /// copied between threads. `sink` runs shard 0; `makeShardSink` makes the other shards' sinks,
    /// which `merge` folds into `sink` afterwards. Only for sinks whose output does not depend on
    /// the order of packets across connections or on connection IDs (each shard numbers its own),
    /// such as counting. Buffering limits are split between the shards. Standard input cannot be
    /// read twice: give "-" to `run` instead.
    public static func runSharded<Sink: AnalysisSink & SendableMetatype>(
        path: String, options: AnalysisOptions, shards: Int, sink: inout Sink,
        makeShardSink: () -> Sink, merge: (inout Sink, Sink) -> Void
    ) throws(CaptureError) -> FileSummary {
        let count = max(1, shards)
        // Shard 0's source is opened here, so an unusable file fails before any thread starts.
        var first = try CaptureSource(file: path)
        guard count > 1 else { return try run(source: &first, options: options, sink: &sink, control: RunControl()) }
        let shardOptions = {
            var o = options
            o.limits.total = options.limits.total / count
            return o
        }()
        let runs = (0..<count).map { i in ShardRun(sink: i == 0 ? sink : makeShardSink()) }
        runs[0].source = consume first
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let run = runs[i]
            do throws(CaptureError) {
                var source: CaptureSource
                if let opened = run.source.take() { source = opened } else { source = try CaptureSource(file: path) }
                run.summary = try CaptureAnalysis.run(source: &source, options: shardOptions, sink: &run.sink,
                                                      control: RunControl(), shard: Shard(index: i, count: count))
            } catch {
                run.error = error
            }
        }
        for run in runs { if let error = run.error { throw error } }
        sink = runs[0].sink
        guard var summary = runs[0].summary else { throw CaptureError("no result from the first shard") }
        for run in runs.dropFirst() {
            merge(&sink, run.sink)
            summary.notes += run.summary?.notes ?? []
        }
        return summary
    }
}

extension CaptureAnalysis {
    /// Analyses the file `path` on `shards` threads at once, with output in capture order and
    /// byte-identical to one thread (see `ShardBatch`): each thread reads the whole file through its
    /// own libpcap handle and reassembles every connection, and decodes and renders its share of the
    /// connections into `sink.shardSink(pipe:)`; this thread writes their pieces in order through
    /// `sink.writeMerged`, then hands the shards' sinks to `sink.absorbShards`. Returns the first
    /// shard's summary (every shard reads the same frames and reassembles them alike). `pipe` makes
    /// each shard's queue (its batch sizes).
    public static func runOrdered<Sink: OrderedShardSink>(
        path: String, options: AnalysisOptions, shards: Int, sink: inout Sink,
        pipe: () -> ShardPipe = { ShardPipe() }
    ) throws(CaptureError) -> FileSummary {
        let count = max(1, shards)
        var first = try CaptureSource(file: path)
        guard count > 1 else { return try run(source: &first, options: options, sink: &sink, control: RunControl()) }
        let pipes = (0..<count).map { _ in pipe() }
        let runs = pipes.map { ShardRun(sink: sink.shardSink(pipe: $0)) }
        runs[0].source = consume first
        let group = DispatchGroup()
        for i in 0..<count {
            let run = runs[i]
            DispatchQueue.global().async(group: group) {
                // The pipe is closed on every path, or the merger would wait for it forever.
                defer { run.sink.finishShard() }
                do throws(CaptureError) {
                    var source: CaptureSource
                    if let opened = run.source.take() { source = opened } else { source = try CaptureSource(file: path) }
                    run.summary = try CaptureAnalysis.run(source: &source, options: options, sink: &run.sink,
                                                          control: RunControl(),
                                                          decodingShard: Shard(index: i, count: count))
                } catch {
                    run.error = error
                }
            }
        }
        ShardMerger.merge(pipes) { sink.writeMerged($0) }
        group.wait()
        for run in runs { if let error = run.error { throw error } }
        guard let summary = runs[0].summary else { throw CaptureError("no result from the first shard") }
        sink.absorbShards(runs.map(\.sink))
        return summary
    }
}

/// A sink whose output can come from shards and be merged in capture order (`runOrdered`).
public protocol OrderedShardSink: AnalysisSink, SendableMetatype {
    /// A sink for one shard of the current file, configured as this one, writing through `pipe`
    /// (a `ShardWriter`, told of each call by `beginEvent`).
    func shardSink(pipe: ShardPipe) -> Self
    /// The shard's run ended: sends what it still holds.
    mutating func finishShard()
    /// Writes merged shard output, in capture order.
    mutating func writeMerged(_ bytes: UnsafeBufferPointer<UInt8>)
    /// After every shard ended: takes in what they kept for the end of the file (counts, held events).
    mutating func absorbShards(_ shards: [Self])
}

/// One shard's state, handed to its thread and read back after all have finished (the threads
/// touch only their own `ShardRun`, and `concurrentPerform` returns after the last one ends).
private final class ShardRun<Sink>: @unchecked Sendable {
    var sink: Sink
    var source: CaptureSource?
    var summary: FileSummary?
    var error: CaptureError?
    init(sink: Sink) { self.sink = sink }
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
