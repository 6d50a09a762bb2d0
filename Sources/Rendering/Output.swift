#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writing to a file descriptor (standard output by default). Output is built as bytes,
/// never through `print`, and written in large blocks; `flush()` pushes it out (per packet when
/// streaming to a pipe). The owner must call `flush()` before it is done.
public struct Output {
    public private(set) var buffer: [UInt8] = []
    let fd: Int32
    let threshold: Int
    /// Set when a write failed (e.g. the reader of a pipe went away); further output is dropped.
    public private(set) var failed = false

    public init(fd: Int32 = 1, threshold: Int = 1 << 16) {
        self.fd = fd
        self.threshold = threshold
        buffer.reserveCapacity(threshold >= 1 << 20 ? 4096 : threshold + 4096)
    }

    @inlinable public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= threshold { flush() }
    }

    public mutating func append(_ bytes: Span<UInt8>) {
        for i in 0..<bytes.count { buffer.append(bytes[i]) }
        if buffer.count >= threshold { flush() }
    }

    /// Appends bytes without a flush check (callers flush at record boundaries).
    @inline(__always) public mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    public mutating func byte(_ b: UInt8) {
        buffer.append(b)
    }

    /// Appends a decimal integer without allocating.
    public mutating func decimal<I: BinaryInteger>(_ v: I) {
        if v == 0 { buffer.append(0x30); return }
        var x = v.magnitude
        if v < 0 { buffer.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 && n < 20 {
                d[n] = UInt8(truncatingIfNeeded: x % 10) + 0x30
                x /= 10
                n += 1
            }
            while n > 0 {
                n -= 1
                buffer.append(d[n])
            }
        }
    }

    /// A decimal right-aligned in `width` columns.
    public mutating func decimal<I: BinaryInteger>(_ v: I, width: Int) {
        var digits = 1
        var x = v.magnitude
        while x >= 10 { x /= 10; digits += 1 }
        if v < 0 { digits += 1 }
        for _ in 0..<Swift.max(0, width - digits) { buffer.append(0x20) }
        decimal(v)
    }

    /// Seconds from `origin` to `t` as "12.345678" (microseconds), right-aligned in `width`.
    public mutating func relativeTime(_ t: Int64, since origin: Int64, width: Int) {
        var ns = t &- origin
        let negative = ns < 0
        if negative { ns = -ns }
        let seconds = ns / 1_000_000_000
        let micros = (ns % 1_000_000_000) / 1000
        var digits = 1 + 7
        var x = seconds
        while x >= 10 { x /= 10; digits += 1 }
        if negative { digits += 1 }
        for _ in 0..<Swift.max(0, width - digits) { buffer.append(0x20) }
        if negative { buffer.append(UInt8(ascii: "-")) }
        decimal(seconds)
        buffer.append(UInt8(ascii: "."))
        var scale: Int64 = 100_000
        while scale > 0 { buffer.append(UInt8(truncatingIfNeeded: (micros / scale) % 10) + 0x30); scale /= 10 }
    }

    /// Drops what is buffered (for scratch outputs that are never written).
    public mutating func clear() { buffer.removeAll(keepingCapacity: true) }

    public mutating func flush() {
        guard !buffer.isEmpty else { return }
        if !failed {
            buffer.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 {
                        if n < 0 && errno == EINTR { continue }
                        failed = true
                        break
                    }
                    off += n
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
