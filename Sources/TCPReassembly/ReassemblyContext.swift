/// The state every connection of one `Assembler` shares: the store for out-of-order bytes, the limits
/// and the running totals checked against them.
struct ReassemblyContext {
    var store: SegmentStore
    /// The last delivered bytes of every connection, for comparing retransmissions.
    var history: HistoryArena
    let limits: ReassemblyLimits
    /// Bytes (store chunks) held across all connections.
    var totalCost = 0
    /// Times a buffering bound was reached.
    var limitHits = 0
    /// `limits.holeTimeoutSeconds` in nanoseconds (saturating).
    let holeTimeoutNanoseconds: Int64

    init(limits: ReassemblyLimits) {
        self.limits = limits
        store = SegmentStore(maxBytes: limits.total)
        history = HistoryArena(capacity: limits.overlapHistory)
        let (ns, overflow) = max(0, limits.holeTimeoutSeconds).multipliedReportingOverflow(by: 1_000_000_000)
        holeTimeoutNanoseconds = overflow ? .max : ns
    }
}
