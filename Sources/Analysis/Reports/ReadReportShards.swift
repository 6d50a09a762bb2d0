public import Rendering

/// `read` on several threads (`CaptureAnalysis.runOrdered`): each shard renders its connections'
/// units as one thread would, into pieces the merger writes in capture order.
extension ReadReport: OrderedShardSink {
    /// Whether output can be split by connection: not with a unit limit (`-c`, counted across
    /// connections) or delta times (`-t d`, since the previous unit of any connection), and not
    /// when each packet is flushed as it comes (live).
    public var shardable: Bool {
        !countOnly && limit == nil && timeStyle != .delta && !flushEachPacket
    }

    public func shardSink(pipe: ShardPipe) -> ReadReport {
        var shard = ReadReport(format: format, verbose: verbose, countOnly: false, context: context, filter: filter,
                               columns: columns, out: Output(fd: -1, threshold: Int.max))
        shard.timeStyle = timeStyle
        shard.hexDump = hexDump
        shard.colour = colour
        shard.fileName = fileName
        shard.shardWriter = ShardWriter(pipe: pipe)
        // The file's packet array is opened (and closed) by this report; the shard's packets follow on.
        if format == .json { shard.w.continueArray() }
        return shard
    }

    public mutating func beginEvent(_ sequence: UInt64) {
        shardWriter?.begin(sequence, out: &w.out)
    }

    public mutating func finishShard() {
        shardWriter?.finish(out: &w.out)
    }

    public mutating func writeMerged(_ bytes: UnsafeBufferPointer<UInt8>) {
        var bytes = bytes
        // Every shard's packets start with a comma; the file's first packet has none.
        if format == .json && !wroteMerged, bytes.first == UInt8(ascii: ",") {
            bytes = UnsafeBufferPointer(rebasing: bytes.dropFirst())
        }
        if !bytes.isEmpty { wroteMerged = true }
        w.out.append(bytes)
    }

    public mutating func absorbShards(_ shards: [ReadReport]) {
        var held: [(sequence: UInt64, shard: Int, index: Int)] = []
        for (n, s) in shards.enumerated() {
            addCounts(of: s)
            finishedConnections += s.finishedConnections
            for (i, q) in s.heldEventSequences.enumerated() { held.append((q, n, i)) }
        }
        // JSON's stream events in capture order, as one thread holds them.
        held.sort { ($0.sequence, $0.index) < ($1.sequence, $1.index) }
        heldEvents = held.map { shards[$0.shard].heldEvents[$0.index] }
    }
}
