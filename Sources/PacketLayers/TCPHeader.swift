import WireCore

/// The TCP header fields (RFC 9293 §3.1). Options are skipped, not decoded.
struct TCPHeader {
    static let minimumLength = 20

    var sourcePort: UInt16
    var destinationPort: UInt16
    var sequence: UInt32
    var acknowledgement: UInt32
    var flags: TCPFlags
    var window: UInt16
    /// Data Offset in bytes: the header with its options.
    var headerLength: Int

    enum Parsed {
        case header(TCPHeader)
        /// The fixed 20 bytes are there but the options end past the captured bytes.
        case optionsCut(TCPHeader)
        case problem(LayerProblem)
    }

    /// - Parameters:
    ///   - capturedEnd: where the captured bytes of this segment end.
    ///   - declaredEnd: where IP's length says the segment ends (≥ `capturedEnd`).
    static func parse(_ bytes: Span<UInt8>, at start: Int, capturedEnd: Int, declaredEnd: Int) -> Parsed {
        guard capturedEnd - start >= minimumLength else { return .problem(.truncatedTCPHeader) }
        let dataOffsetByte = bytes[start + 12]
        let headerLength = Int(dataOffsetByte >> 4) * 4
        guard headerLength >= minimumLength, declaredEnd - start >= headerLength else {
            return .problem(.badTCPDataOffset)
        }
        let header = TCPHeader(
            sourcePort: bytes.be16(at: start),
            destinationPort: bytes.be16(at: start + 2),
            sequence: bytes.be32(at: start + 4),
            acknowledgement: bytes.be32(at: start + 8),
            flags: TCPFlags(rawValue: UInt16(dataOffsetByte & 0x01) << 8 | UInt16(bytes[start + 13])),
            window: bytes.be16(at: start + 14),
            headerLength: headerLength)
        return capturedEnd - start >= headerLength ? .header(header) : .optionsCut(header)
    }

    /// Parses the TCP header at `start` and, if it is sound, hands the segment and its captured
    /// payload to `body`.
    /// - Parameter cutAllowance: how many bytes past `bytes.count` the capture cut off; bytes IP
    ///   declares beyond that were never on the wire and are not reported missing.
    static func deliver(
        _ bytes: Span<UInt8>, at start: Int, declaredEnd: Int, cutAllowance: Int,
        source: IPAddress, destination: IPAddress,
        _ body: (borrowing TCPSegment, Span<UInt8>) -> Void
    ) -> PacketOutcome {
        let capturedEnd = min(bytes.count, declaredEnd)
        switch parse(bytes, at: start, capturedEnd: capturedEnd, declaredEnd: declaredEnd) {
        case .problem(let problem):
            return .malformed(problem)
        case .optionsCut(let tcp):
            // A snap length that cut into the options still leaves ports, sequence numbers and
            // flags: the segment counts, and its whole payload is missing (a snap-length gap).
            // Without a snap-length cut, the header is simply malformed.
            guard cutAllowance > 0, declaredEnd - capturedEnd <= cutAllowance else {
                return .malformed(.truncatedTCPHeader)
            }
            let segment = TCPSegment(
                source: Endpoint(address: source, port: tcp.sourcePort),
                destination: Endpoint(address: destination, port: tcp.destinationPort),
                sequence: tcp.sequence, acknowledgement: tcp.acknowledgement,
                flags: tcp.flags, window: tcp.window,
                missingPayload: max(0, declaredEnd - (start + tcp.headerLength)))
            body(segment, bytes.extracting(capturedEnd..<capturedEnd))
            return .tcp
        case .header(let tcp):
            let segment = TCPSegment(
                source: Endpoint(address: source, port: tcp.sourcePort),
                destination: Endpoint(address: destination, port: tcp.destinationPort),
                sequence: tcp.sequence, acknowledgement: tcp.acknowledgement,
                flags: tcp.flags, window: tcp.window,
                missingPayload: max(0, min(declaredEnd - capturedEnd, cutAllowance)))
            body(segment, bytes.extracting((start + tcp.headerLength)..<capturedEnd))
            return .tcp
        }
    }
}
