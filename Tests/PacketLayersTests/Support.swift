import PacketLayers
import Testing
import WireCore

/// What one call to `decode` produced, copied out of the borrowed bytes.
struct Decoded {
    var outcome: PacketOutcome
    var segment: TCPSegment?
    var payload: [UInt8]
    /// True when the payload handed out was a slice of the frame (not of a reassembly buffer).
    var payloadWithinFrame: Bool
}

extension PacketDecoder {
    /// Decodes `frame` (captured bytes), with `wireLength` defaulting to the captured length.
    mutating func run(_ frame: [UInt8], wireLength: Int? = nil) -> Decoded {
        var segment: TCPSegment?
        var payload: [UInt8] = []
        var within = false
        var calls = 0
        let outcome = frame.withUnsafeBufferPointer { buffer in
            let frameStart = UInt(bitPattern: buffer.baseAddress)
            let frameEnd = frameStart + UInt(buffer.count)
            return decode(frame: buffer.span, wireLength: wireLength ?? frame.count) { seg, bytes in
                calls += 1
                segment = copy seg
                for i in 0..<bytes.count { payload.append(bytes[i]) }
                bytes.withUnsafeBufferPointer { slice in
                    let start = UInt(bitPattern: slice.baseAddress)
                    within = slice.isEmpty || (start >= frameStart && start + UInt(slice.count) <= frameEnd)
                }
            }
        }
        #expect(calls <= 1, "body called more than once for one frame")
        #expect((calls == 1) == (outcome == .tcp), "body called iff the outcome is .tcp")
        return Decoded(outcome: outcome, segment: segment, payload: payload, payloadWithinFrame: within)
    }
}

// MARK: - Frame builders for generated cases (the literal tables are in the test files)

enum Build {
    static let macHeaderIPv4: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]
    static let macHeaderIPv6: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xDD]

    static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
         UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    /// A TCP header (with `options`, padded to 4 bytes) followed by `payload`.
    static func tcp(sourcePort: Int = 50000, destinationPort: Int = 1883, sequence: UInt32 = 100,
                    acknowledgement: UInt32 = 200, flags: UInt16 = 0x018, window: Int = 256,
                    options: [UInt8] = [], payload: [UInt8]) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        let words = 5 + opts.count / 4
        var b = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgement)
        b += [UInt8(words << 4) | UInt8(flags >> 8 & 1), UInt8(flags & 0xFF)] + be16(window) + [0, 0, 0, 0]
        return b + opts + payload
    }

    /// An IPv4 header (192.168.1.10 → 192.168.1.20) in front of `payload`.
    static func ipv4(protocolNumber: UInt8 = 6, identification: Int = 0x1234, fragmentOffset: Int = 0,
                     moreFragments: Bool = false, options: [UInt8] = [], totalLength: Int? = nil,
                     payload: [UInt8]) -> [UInt8] {
        let headerLength = 20 + options.count
        let total = totalLength ?? headerLength + payload.count
        let flags = (moreFragments ? 0x2000 : 0) | (fragmentOffset / 8)
        var b: [UInt8] = [UInt8(0x40 | headerLength / 4), 0] + be16(total) + be16(identification) + be16(flags)
        b += [64, protocolNumber, 0, 0, 192, 168, 1, 10, 192, 168, 1, 20]
        return b + options + payload
    }

    /// An IPv6 header (2001:db8::1 → 2001:db8::2) in front of `payload` (extension headers included).
    static func ipv6(nextHeader: UInt8 = 6, payloadLength: Int? = nil, payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [0x60, 0, 0, 0] + be16(payloadLength ?? payload.count) + [nextHeader, 64]
        b += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        b += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
        return b + payload
    }

    /// An IPv6 Fragment header (RFC 8200 §4.5).
    static func ipv6Fragment(nextHeader: UInt8 = 6, offset: Int, more: Bool, identification: UInt32) -> [UInt8] {
        [nextHeader, 0] + be16(offset | (more ? 1 : 0)) + be32(identification)
    }

    static func ethernet(_ ip: [UInt8]) -> [UInt8] {
        (ip.first.map { $0 >> 4 == 6 } ?? false ? macHeaderIPv6 : macHeaderIPv4) + ip
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
}

let client4 = Endpoint(address: IPAddress(v4: 0xC0A8_010A), port: 50000)
let server4 = Endpoint(address: IPAddress(v4: 0xC0A8_0114), port: 1883)
let client6 = Endpoint(address: IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 1), port: 50000)
let server6 = Endpoint(address: IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 2), port: 1883)
