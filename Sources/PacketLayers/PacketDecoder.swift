public import WireCore

// CONTRACT STUB — the layers helper replaces the bodies; keep the public signatures
// (or change them together with Analysis).

/// The link-layer header types mqscope decodes (libpcap DLT_/LINKTYPE_ values).
public enum LinkType: Sendable, Equatable {
    case ethernet        // DLT_EN10MB (1)
    case null            // DLT_NULL (0): BSD loopback, 4-byte family in host byte order
    case loop            // DLT_LOOP (108): OpenBSD loopback, family in network byte order
    case rawIP           // DLT_RAW (12 / LINKTYPE_RAW 101): IPv4 or IPv6 by version nibble
    case ipv4            // LINKTYPE_IPV4 (228)
    case ipv6            // LINKTYPE_IPV6 (229)
    case linuxSLL        // DLT_LINUX_SLL (113): tcpdump -i any, libpcap < 1.10
    case linuxSLL2       // DLT_LINUX_SLL2 (276): tcpdump -i any, libpcap ≥ 1.10

    /// nil for a link type mqscope does not decode.
    public init?(dlt: Int32) {
        switch dlt {
        case 1: self = .ethernet
        case 0: self = .null
        case 108: self = .loop
        case 12, 14, 101: self = .rawIP
        case 228: self = .ipv4
        case 229: self = .ipv6
        case 113: self = .linuxSLL
        case 276: self = .linuxSLL2
        default: return nil
        }
    }
}

public struct TCPFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
}

/// One TCP segment's header facts. The payload bytes travel beside it, borrowed.
public struct TCPSegment: Sendable {
    public var source: Endpoint
    public var destination: Endpoint
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Payload bytes the IP header says the segment carries but the capture's snap length cut off.
    /// The captured payload is a prefix; these bytes follow it and become a `snapLength` gap.
    public var missingPayload: Int

    public init(source: Endpoint, destination: Endpoint, sequence: UInt32, acknowledgement: UInt32,
                flags: TCPFlags, window: UInt16, missingPayload: Int = 0) {
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.window = window
        self.missingPayload = missingPayload
    }
}

/// Why a frame yielded no TCP segment.
public enum LayerProblem: String, Sendable, CaseIterable {
    case truncatedLinkHeader = "truncated link-layer header"
    case truncatedIPHeader = "truncated IP header"
    case badIPVersion = "bad IP version"
    case badIPHeaderLength = "bad IPv4 header length"
    case badIPTotalLength = "IP length shorter than its header"
    case truncatedTCPHeader = "truncated TCP header"
    case badTCPDataOffset = "bad TCP data offset"
    case badIPv6ExtensionHeader = "malformed IPv6 extension header"
    case fragmentOverflow = "IP fragment beyond 65535 bytes"
    case fragmentLimit = "IP fragment buffer limit reached"
}

/// What one frame turned out to be.
public enum PacketOutcome: Sendable, Equatable {
    /// A TCP segment was handed to the body (from this frame, or a datagram it completed).
    case tcp
    /// Not IP, or IP but not TCP (counted, not an error).
    case notTCP
    /// An IP fragment, held until its datagram is complete.
    case fragmentHeld
    /// A header that cannot be decoded; counted and reported.
    case malformed(LayerProblem)
}

/// Counters for `streams` and the end-of-run summary.
public struct LayerStats: Sendable, Equatable {
    public var frames = 0
    public var tcpSegments = 0
    public var notIP = 0
    public var notTCP = 0
    public var malformed = 0
    /// Frames whose captured length is less than their length on the wire.
    public var truncatedFrames = 0
    public var ipFragments = 0
    public var datagramsReassembled = 0
    /// Fragments dropped because their datagram never completed (limit or end of capture).
    public var fragmentsUnfinished = 0
    public init() {}
}

/// Decodes link, IP and TCP headers of one frame at a time, reassembling IP fragments.
/// A plain struct with a `switch` per layer: no protocol objects, no per-frame allocation.
public struct PacketDecoder: Sendable {
    public let linkType: LinkType
    public private(set) var stats = LayerStats()

    public init(linkType: LinkType) {
        self.linkType = linkType
    }

    /// Decodes one frame. When it carries a TCP segment (directly, or by completing a fragmented
    /// datagram), calls `body` once with the segment and its captured payload, borrowed for the call.
    /// - Parameters:
    ///   - frame: the captured bytes (`caplen`).
    ///   - wireLength: the frame's original length (`len`); more than `frame.count` means snap-length cut.
    public mutating func decode(
        frame: Span<UInt8>, wireLength: Int,
        _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        stats.frames += 1
        return .notTCP
    }

    /// End of capture: fragments still held are counted as unfinished and dropped.
    public mutating func finish() {}
}
