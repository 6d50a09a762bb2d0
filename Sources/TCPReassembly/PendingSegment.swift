import WireCore

/// Out-of-order bytes of one direction waiting for the hole before them to fill: either payload held
/// in the `SegmentStore`, or a marker for bytes a snap length cut off (delivered as a `snapLength` gap).
struct PendingSegment {
    var offset: UInt64
    var length: Int
    var frame: FrameNumber
    var time: Timestamp
    /// Chain head in the store; `SegmentStore.none` for a snap-length marker.
    var storage: Int32
    /// What this entry counts against the limits.
    var cost: Int

    var end: UInt64 { offset &+ UInt64(length) }
    var isSnapMarker: Bool { storage < 0 }
}
