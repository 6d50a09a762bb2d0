/// Counters for `streams` and the end-of-run summary.
///
/// Every frame has exactly one outcome, so
/// `frames == tcpSegments + notTCP + malformed + (frames whose outcome was .fragmentHeld)`.
public struct LayerStats: Sendable, Equatable {
    public var frames = 0
    /// Segments handed to the body (one per `.tcp` outcome).
    public var tcpSegments = 0
    /// Frames that carried no IP at all (ARP, LLC, unknown EtherType …); a subset of `notTCP`.
    public var notIP = 0
    /// Frames with outcome `.notTCP`: not IP, or IP carrying something else (UDP, ICMP, ESP …).
    public var notTCP = 0
    /// Frames with outcome `.malformed`.
    public var malformed = 0
    /// Frames whose captured length is less than their length on the wire.
    public var truncatedFrames = 0
    /// Frames that were IP fragments (of any protocol; only TCP datagrams are reassembled).
    public var ipFragments = 0
    public var datagramsReassembled = 0
    /// Fragments dropped because their datagram never completed (limit or end of capture).
    public var fragmentsUnfinished = 0
    public init() {}
}
