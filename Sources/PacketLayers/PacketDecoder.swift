import WireCore

/// Decodes link, IP and TCP headers of one frame at a time, reassembling IP fragments.
/// A plain struct with a `switch` per layer: no protocol objects, no per-frame allocation.
///
/// Unfragmented frames are parsed in place, by offsets into the borrowed frame; the payload
/// handed to `body` is a slice of it. A fragmented datagram is copied once into a reused
/// reassembly buffer, and its payload is a slice of that buffer.
public struct PacketDecoder: Sendable {
    /// The largest datagram (payload after the IP header) reassembly accepts: IPv4's Total Length
    /// and IPv6's Payload Length are 16-bit.
    public static let maxDatagramBytes = 65_535
    /// How many fragmented datagrams may be in progress at once by default.
    public static let defaultMaxFragmentedDatagrams = 64

    static let tcpProtocol: UInt8 = 6

    public let linkType: LinkType
    public private(set) var stats = LayerStats()
    private var fragments: FragmentReassembler

    public init(linkType: LinkType) {
        self.init(linkType: linkType, maxFragmentedDatagrams: Self.defaultMaxFragmentedDatagrams)
    }

    /// - Parameter maxFragmentedDatagrams: datagrams held in reassembly at once (at least 1);
    ///   each holds at most `maxDatagramBytes`.
    public init(linkType: LinkType, maxFragmentedDatagrams: Int) {
        self.linkType = linkType
        self.fragments = FragmentReassembler(maxDatagrams: maxFragmentedDatagrams)
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
        let cutBytes = wireLength > frame.count ? wireLength - frame.count : 0
        if cutBytes > 0 { stats.truncatedFrames += 1 }

        let outcome: PacketOutcome
        switch linkType.locateNetworkLayer(in: frame) {
        case .truncated:
            outcome = .malformed(.truncatedLinkHeader)
        case .notIP:
            stats.notIP += 1
            outcome = .notTCP
        case .network(let kind, let offset):
            outcome = decodeNetwork(kind, frame: frame, at: offset, cutBytes: cutBytes, body)
        }

        switch outcome {
        case .tcp: stats.tcpSegments += 1
        case .notTCP: stats.notTCP += 1
        case .malformed: stats.malformed += 1
        case .fragmentHeld: break
        }
        return outcome
    }

    /// End of capture: fragments still held are counted as unfinished and dropped.
    public mutating func finish() {
        stats.fragmentsUnfinished += fragments.abandonAll()
    }

    // MARK: - Network layer

    private mutating func decodeNetwork(
        _ kind: NetworkKind, frame: Span<UInt8>, at offset: Int, cutBytes: Int,
        _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        switch kind {
        case .ipv4:
            return decodeIPv4(frame: frame, at: offset, cutBytes: cutBytes, body)
        case .ipv6:
            return decodeIPv6(frame: frame, at: offset, cutBytes: cutBytes, body)
        case .byVersionNibble:
            guard offset < frame.count else { return .malformed(.truncatedIPHeader) }
            switch frame[offset] >> 4 {
            case 4: return decodeIPv4(frame: frame, at: offset, cutBytes: cutBytes, body)
            case 6: return decodeIPv6(frame: frame, at: offset, cutBytes: cutBytes, body)
            default: return .malformed(.badIPVersion)
            }
        }
    }

    private mutating func decodeIPv4(
        frame: Span<UInt8>, at offset: Int, cutBytes: Int,
        _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        let ip: IPv4Header
        switch IPv4Header.parse(frame, at: offset) {
        case .problem(let problem): return .malformed(problem)
        case .header(let header): ip = header
        }
        if ip.isFragment {
            stats.ipFragments += 1
            guard ip.protocolNumber == Self.tcpProtocol else { return .notTCP }
            let key = FragmentKey(source: ip.source, destination: ip.destination,
                                  protocolNumber: ip.protocolNumber, identification: UInt32(ip.identification))
            return addFragment(key: key, offset: ip.fragmentOffset, frame: frame, dataStart: ip.payloadStart,
                               declaredEnd: ip.declaredEnd, more: ip.moreFragments, cutBytes: cutBytes, body)
        }
        guard ip.protocolNumber == Self.tcpProtocol else { return .notTCP }
        return TCPHeader.deliver(frame, at: ip.payloadStart, declaredEnd: ip.declaredEnd, cutAllowance: cutBytes,
                                 source: ip.source, destination: ip.destination, body)
    }

    private mutating func decodeIPv6(
        frame: Span<UInt8>, at offset: Int, cutBytes: Int,
        _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        let ip: IPv6Header
        switch IPv6Header.parse(frame, at: offset) {
        case .problem(let problem): return .malformed(problem)
        case .header(let header): ip = header
        }
        switch IPv6ExtensionHeader.walk(frame, first: ip.nextHeader, from: ip.payloadStart,
                                        declaredEnd: ip.declaredEnd, allowFragment: true) {
        case .problem(let problem):
            return .malformed(problem)
        case .opaque:
            return .notTCP
        case .transport(let protocolNumber, let transportStart):
            guard protocolNumber == Self.tcpProtocol else { return .notTCP }
            return TCPHeader.deliver(frame, at: transportStart, declaredEnd: ip.declaredEnd, cutAllowance: cutBytes,
                                     source: ip.source, destination: ip.destination, body)
        case .fragment(let nextHeader, let fragmentOffset, let more, let identification, let dataStart):
            stats.ipFragments += 1
            // Reassemble only what can lead to TCP: TCP itself, or more extension headers.
            guard Self.mayLeadToTCP(nextHeader) else { return .notTCP }
            let key = FragmentKey(source: ip.source, destination: ip.destination,
                                  protocolNumber: nextHeader, identification: identification)
            return addFragment(key: key, offset: fragmentOffset, frame: frame, dataStart: dataStart,
                               declaredEnd: ip.declaredEnd, more: more, cutBytes: cutBytes, body)
        }
    }

    private static func mayLeadToTCP(_ nextHeader: UInt8) -> Bool {
        switch nextHeader {
        case tcpProtocol, IPv6ExtensionHeader.hopByHop, IPv6ExtensionHeader.routing,
             IPv6ExtensionHeader.destinationOptions, IPv6ExtensionHeader.authentication,
             IPv6ExtensionHeader.mobility, IPv6ExtensionHeader.hip, IPv6ExtensionHeader.shim6:
            return true
        default:
            return false
        }
    }

    // MARK: - Fragments

    private mutating func addFragment(
        key: FragmentKey, offset: Int, frame: Span<UInt8>, dataStart: Int, declaredEnd: Int,
        more: Bool, cutBytes: Int,
        _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        let capturedEnd = min(frame.count, declaredEnd)
        let data = frame.extracting(dataStart..<capturedEnd)
        // As for whole segments: bytes count as cut off only as far as the snap length explains them.
        let declaredLength = data.count + min(declaredEnd - capturedEnd, cutBytes)
        let result = fragments.add(key: key, offset: offset, data: data, declaredLength: declaredLength, more: more)
        switch result {
        case .overflow:
            return .malformed(.fragmentOverflow)
        case .held(let abandoned):
            stats.fragmentsUnfinished += abandoned
            return abandoned > 0 ? .malformed(.fragmentLimit) : .fragmentHeld
        case .completed(let slot, let abandoned):
            stats.fragmentsUnfinished += abandoned
            stats.datagramsReassembled += 1
            let outcome = deliverReassembled(slot: slot, body)
            fragments.release(slot)
            return outcome
        }
    }

    /// Decodes a completed datagram from its reassembly buffer (the buffer is borrowed, not copied).
    private func deliverReassembled(
        slot: Int, _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        let datagram = fragments.slots[slot]
        let total = datagram.totalLength ?? 0
        let capturedEnd = min(total, datagram.firstUncaptured)
        let bytes = datagram.bytes
        let payload = bytes.span.extracting(0..<capturedEnd)
        let key = datagram.key
        var transportStart = 0
        if key.source.isV6 {
            switch IPv6ExtensionHeader.walk(payload, first: key.protocolNumber, from: 0,
                                            declaredEnd: total, allowFragment: false) {
            case .problem(let problem): return .malformed(problem)
            case .opaque, .fragment: return .notTCP
            case .transport(let protocolNumber, let start):
                guard protocolNumber == Self.tcpProtocol else { return .notTCP }
                transportStart = start
            }
        }
        return TCPHeader.deliver(payload, at: transportStart, declaredEnd: total, cutAllowance: .max,
                                 source: key.source, destination: key.destination, body)
    }
}
