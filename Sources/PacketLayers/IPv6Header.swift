import WireCore

/// The IPv6 fixed header (RFC 8200 §3) plus the extension-header walk (§4).
struct IPv6Header {
    static let fixedLength = 40

    var source: IPAddress
    var destination: IPAddress
    var nextHeader: UInt8
    /// First byte after the fixed header.
    var payloadStart: Int
    /// One past the last byte by Payload Length; may lie beyond the captured frame.
    var declaredEnd: Int

    enum Parsed {
        case header(IPv6Header)
        case problem(LayerProblem)
    }

    static func parse(_ frame: Span<UInt8>, at start: Int) -> Parsed {
        let available = frame.count - start
        guard available >= 1 else { return .problem(.truncatedIPHeader) }
        guard frame[start] >> 4 == 6 else { return .problem(.badIPVersion) }
        guard available >= fixedLength else { return .problem(.truncatedIPHeader) }
        let payloadLength = Int(frame.be16(at: start + 4))
        let payloadStart = start + fixedLength
        // Payload Length 0 means a jumbogram (RFC 2675) or a segmentation-offload capture:
        // either way the captured bytes are all there is to go by.
        let declaredEnd = payloadLength == 0 ? frame.count : payloadStart + payloadLength
        return .header(IPv6Header(
            source: IPAddress(v6High: frame.be64(at: start + 8), v6Low: frame.be64(at: start + 16)),
            destination: IPAddress(v6High: frame.be64(at: start + 24), v6Low: frame.be64(at: start + 32)),
            nextHeader: frame[start + 6],
            payloadStart: payloadStart,
            declaredEnd: declaredEnd))
    }
}

/// Where the IPv6 extension-header chain leads.
enum IPv6ChainEnd {
    /// The upper-layer header `protocolNumber` starts at `offset`.
    case transport(protocolNumber: UInt8, offset: Int)
    /// A Fragment header (RFC 8200 §4.5); the fragment's data starts at `dataStart`.
    case fragment(nextHeader: UInt8, offset: Int, moreFragments: Bool, identification: UInt32, dataStart: Int)
    /// No Next Header (59), or ESP (50) whose contents are encrypted: no transport header to read.
    case opaque
    case problem(LayerProblem)
}

enum IPv6ExtensionHeader {
    static let hopByHop: UInt8 = 0
    static let routing: UInt8 = 43
    static let fragment: UInt8 = 44
    static let esp: UInt8 = 50
    static let authentication: UInt8 = 51
    static let noNextHeader: UInt8 = 59
    static let destinationOptions: UInt8 = 60
    static let mobility: UInt8 = 135
    static let hip: UInt8 = 139
    static let shim6: UInt8 = 140

    /// Walks extension headers from `start` (whose type is `first`) to the upper layer.
    /// - Parameters:
    ///   - declaredEnd: the end by Payload Length; a header crossing it is malformed.
    ///   - allowFragment: false inside a reassembled payload, where a second Fragment header is malformed.
    static func walk(_ bytes: Span<UInt8>, first: UInt8, from start: Int, declaredEnd: Int,
                     allowFragment: Bool) -> IPv6ChainEnd {
        let capturedEnd = min(bytes.count, declaredEnd)
        var header = first
        var at = start
        while true {
            let length: Int
            switch header {
            case hopByHop, routing, destinationOptions, mobility, hip, shim6:
                // RFC 8200 §4.3 / RFC 6564 uniform format: Hdr Ext Len counts 8-octet units, not the first.
                guard let lengthByte = lengthByte(bytes, at: at, capturedEnd: capturedEnd, declaredEnd: declaredEnd)
                else { return declaredEnd - at < 2 ? .problem(.badIPv6ExtensionHeader) : .problem(.truncatedIPHeader) }
                length = (Int(lengthByte) + 1) * 8
            case authentication:
                // RFC 4302 §2.2: Payload Len counts 4-octet units, minus 2.
                guard let lengthByte = lengthByte(bytes, at: at, capturedEnd: capturedEnd, declaredEnd: declaredEnd)
                else { return declaredEnd - at < 2 ? .problem(.badIPv6ExtensionHeader) : .problem(.truncatedIPHeader) }
                length = (Int(lengthByte) + 2) * 4
            case fragment:
                guard allowFragment else { return .problem(.badIPv6ExtensionHeader) }
                length = 8
            case noNextHeader, esp:
                return .opaque
            default:
                return .transport(protocolNumber: header, offset: at)
            }
            guard declaredEnd - at >= length else { return .problem(.badIPv6ExtensionHeader) }
            guard capturedEnd - at >= length else { return .problem(.truncatedIPHeader) }

            if header == fragment {
                // Next Header (1), reserved (1), Fragment Offset (13 bits) | res (2) | M (1), Identification (4).
                let offsetAndFlags = bytes.be16(at: at + 2)
                let offset = Int(offsetAndFlags & 0xFFF8)      // 8-octet units, already shifted by 3
                let more = offsetAndFlags & 1 != 0
                if offset != 0 || more {
                    return .fragment(nextHeader: bytes[at], offset: offset, moreFragments: more,
                                     identification: bytes.be32(at: at + 4), dataStart: at + length)
                }
                // An atomic fragment (RFC 6946): the whole datagram; keep walking.
            }
            header = bytes[at]
            at += length
        }
    }

    /// The header's length byte (its second byte), or nil if either end cuts it off.
    private static func lengthByte(_ bytes: Span<UInt8>, at: Int, capturedEnd: Int, declaredEnd: Int) -> UInt8? {
        guard declaredEnd - at >= 2, capturedEnd - at >= 2 else { return nil }
        return bytes[at + 1]
    }
}
