import WireCore

/// The IPv4 header fields the decoder needs (RFC 791 §3.1). Offsets are into the frame.
struct IPv4Header {
    var source: IPAddress
    var destination: IPAddress
    var protocolNumber: UInt8
    var identification: UInt16
    /// Fragment offset in bytes (the header counts 8-byte units).
    var fragmentOffset: Int
    var moreFragments: Bool
    /// First byte after the header and its options.
    var payloadStart: Int
    /// One past the datagram's last byte by Total Length; may lie beyond the captured frame,
    /// and lies before the frame's end when the link layer padded it (Ethernet minimum size).
    var declaredEnd: Int

    var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    enum Parsed {
        case header(IPv4Header)
        case problem(LayerProblem)
    }

    static func parse(_ frame: Span<UInt8>, at start: Int) -> Parsed {
        let available = frame.count - start
        guard available >= 1 else { return .problem(.truncatedIPHeader) }
        let first = frame[start]
        guard first >> 4 == 4 else { return .problem(.badIPVersion) }
        let headerLength = Int(first & 0x0F) * 4
        guard headerLength >= 20 else { return .problem(.badIPHeaderLength) }
        guard available >= headerLength else { return .problem(.truncatedIPHeader) }

        let totalLength = Int(frame.be16(at: start + 2))
        let declaredEnd: Int
        if totalLength == 0 {
            // Segmentation offload hands the capture a datagram whose Total Length is left 0:
            // take what was captured, as Wireshark does.
            declaredEnd = frame.count
        } else {
            guard totalLength >= headerLength else { return .problem(.badIPTotalLength) }
            declaredEnd = start + totalLength
        }
        let flagsAndOffset = frame.be16(at: start + 6)
        return .header(IPv4Header(
            source: IPAddress(v4: frame.be32(at: start + 12)),
            destination: IPAddress(v4: frame.be32(at: start + 16)),
            protocolNumber: frame[start + 9],
            identification: frame.be16(at: start + 4),
            fragmentOffset: Int(flagsAndOffset & 0x1FFF) * 8,
            moreFragments: flagsAndOffset & 0x2000 != 0,
            payloadStart: start + headerLength,
            declaredEnd: declaredEnd))
    }
}
