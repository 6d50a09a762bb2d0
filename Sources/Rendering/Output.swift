#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writing to a file descriptor (standard output by default). Output is built as bytes,
/// never through `print`, and written in large blocks; `flush()` pushes it out (per packet when
/// streaming to a pipe). The owner must call `flush()` before it is done.
///
/// Shaped for speed: `read --format ndjson -V` appends a few hundred pieces per packet, and an
/// `Array` append costs a uniqueness check (a runtime call) and the generic append path each time.
/// The pending bytes therefore live in memory reached through an inline pointer, and an append is a
/// capacity check and a copy. Copies of an `Output` share that memory until one of them grows it,
/// so an `Output` is used by one owner at a time (hand it over, as `JSONWriter(out:)` does, rather
/// than writing through two copies).
public struct Output {
    private var storage: OutputStorage
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes pending in `base[0 ..< count]`.
    public private(set) var count = 0
    let fd: Int32
    let threshold: Int
    /// Set when a write failed (e.g. the reader of a pipe went away); further output is dropped.
    public private(set) var failed = false

    public init(fd: Int32 = 1, threshold: Int = 1 << 16) {
        self.fd = fd
        self.threshold = threshold
        let initial = threshold >= 1 << 20 ? 4096 : threshold + 4096
        storage = OutputStorage(capacity: initial)
        base = storage.base
        capacity = initial
    }

    /// The bytes not yet written (a copy).
    public var buffer: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Lends the bytes not yet written, without copying them.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Makes room for `n` more bytes.
    @inline(__always) private mutating func reserve(_ n: Int) {
        if count &+ n > capacity { grow(count &+ n) }
    }

    private mutating func grow(_ needed: Int) {
        let newCapacity = Swift.max(needed, capacity &* 2)
        let larger = OutputStorage(capacity: newCapacity)
        larger.base.update(from: base, count: count)
        storage = larger
        base = larger.base
        capacity = newCapacity
    }

    @inlinable public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        appendBytes(bytes)
        if count >= threshold { flush() }
    }

    public mutating func append(_ bytes: Span<UInt8>) {
        bytes.withUnsafeBufferPointer { appendBytes($0) }
        if count >= threshold { flush() }
    }

    /// Appends bytes without a flush check (callers flush at record boundaries).
    @inline(__always) public mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: src, count: bytes.count)
        count &+= bytes.count
    }

    @inline(__always) public mutating func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count &+= 1
    }

    /// Appends a decimal integer without allocating.
    public mutating func decimal<I: BinaryInteger>(_ v: I) {
        if v == 0 { byte(0x30); return }
        var x = v.magnitude
        if v < 0 { byte(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        // Digits are filled from the end, then appended in one go (one capacity check, not one per digit).
        var n = 20
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 && n > 0 {
                n -= 1
                d[n] = UInt8(truncatingIfNeeded: x % 10) + 0x30
                x /= 10
            }
            appendBytes(UnsafeBufferPointer(start: d.baseAddress!.assumingMemoryBound(to: UInt8.self) + n, count: 20 - n))
        }
    }

    /// A decimal right-aligned in `width` columns.
    public mutating func decimal<I: BinaryInteger>(_ v: I, width: Int) {
        var digits = 1
        var x = v.magnitude
        while x >= 10 { x /= 10; digits += 1 }
        if v < 0 { digits += 1 }
        for _ in 0..<Swift.max(0, width - digits) { byte(0x20) }
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
        for _ in 0..<Swift.max(0, width - digits) { byte(0x20) }
        if negative { byte(UInt8(ascii: "-")) }
        decimal(seconds)
        byte(UInt8(ascii: "."))
        var scale: Int64 = 100_000
        while scale > 0 { byte(UInt8(truncatingIfNeeded: (micros / scale) % 10) + 0x30); scale /= 10 }
    }

    /// Writes the buffer out once it reached the threshold (callers at record boundaries).
    public mutating func flushIfFull() { if count >= threshold { flush() } }

    /// Drops what is buffered (for scratch outputs that are never written).
    public mutating func clear() { count = 0 }

    public mutating func flush() {
        guard count > 0 else { return }
        if !failed {
            var off = 0
            while off < count {
                let n = Glibc.write(fd, base + off, count - off)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    failed = true
                    break
                }
                off += n
            }
        }
        count = 0
    }
}

/// The memory of an `Output`'s pending bytes, freed with the last `Output` that refers to it.
final class OutputStorage {
    let base: UnsafeMutablePointer<UInt8>
    init(capacity: Int) { base = .allocate(capacity: Swift.max(1, capacity)) }
    deinit { base.deallocate() }
}
