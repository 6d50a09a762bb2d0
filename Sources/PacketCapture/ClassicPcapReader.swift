#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fast path for the common case, a classic (not pcapng) pcap file on disk: records are cut
/// straight out of `read(2)` blocks instead of one `pcap_next_ex` call per record, which
/// with stdio under it copies every byte twice (kernel → stdio buffer → libpcap's buffer) and
/// was about a fifth of `mqscope streams`' time.
///
/// It only ever handles records it can read exactly as libpcap would: version 2.4 files of a few
/// link types libpcap delivers untouched, with complete records no longer than the snap length.
/// Anything else — a short or oversized record, the end of the file, a read error — makes it
/// stop and report the record's file offset, and `CaptureSource` hands that record (and all
/// later ones) to libpcap, which then produces the same frames, end or error message as always.
struct ClassicPcapReader: ~Copyable {
    /// Link types whose records libpcap hands out unmodified (no pseudo-header byte swapping).
    /// LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6.
    static let passThroughLinkTypes: Set<UInt32> = [1, 101, 228, 229]
    static let fileHeaderLength = 24
    static let recordHeaderLength = 16
    // Small enough that a block the kernel just copied in is still in the L2 cache when its records
    // are parsed (4 MiB blocks measured slower), large enough to hold any record (64 KiB + header).
    static let blockSize = 128 << 10

    private let fd: Int32
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Valid bytes in `buffer` are `position ..< filled`.
    private var position = 0
    private var filled = 0
    /// File offset of `buffer[0]`.
    private var bufferFileOffset: Int64 = 0
    private let swapped: Bool
    private let nanosecondFile: Bool
    private let maxCapturedLength: UInt32

    /// Opens `path` for the fast path; nil when the file is not a classic pcap it can read exactly
    /// (libpcap then reads it all). `snapLength` is libpcap's (adjusted) snapshot length.
    init?(path: String, snapLength: Int) {
        guard path != "-" else { return nil }
        // Regular files only: a second reader of a pipe or FIFO would take bytes meant for libpcap.
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return nil
        }
        var header = [UInt8](repeating: 0, count: Self.fileHeaderLength)
        let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, Self.fileHeaderLength) }
        func u32(_ at: Int, swapped: Bool) -> UInt32 {
            let v = UInt32(header[at]) | UInt32(header[at + 1]) << 8 | UInt32(header[at + 2]) << 16
                | UInt32(header[at + 3]) << 24
            return swapped ? v.byteSwapped : v
        }
        func u16(_ at: Int, swapped: Bool) -> UInt16 {
            let v = UInt16(header[at]) | UInt16(header[at + 1]) << 8
            return swapped ? v.byteSwapped : v
        }
        let magic = n == Self.fileHeaderLength ? u32(0, swapped: false) : 0
        let swapped: Bool
        let nano: Bool
        switch magic {
        case 0xA1B2_C3D4: (swapped, nano) = (false, false)
        case 0xA1B2_3C4D: (swapped, nano) = (false, true)
        case 0xD4C3_B2A1: (swapped, nano) = (true, false)
        case 0x4D3C_B2A1: (swapped, nano) = (true, true)
        default:
            close(fd)
            return nil
        }
        guard u16(4, swapped: swapped) == 2, u16(6, swapped: swapped) == 4,
              Self.passThroughLinkTypes.contains(u32(20, swapped: swapped)), snapLength > 0
        else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.swapped = swapped
        self.nanosecondFile = nano
        // libpcap rejects or cuts records longer than this; those go to libpcap.
        self.maxCapturedLength = UInt32(min(snapLength, 65_535))
        buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.blockSize)
        bufferFileOffset = Int64(Self.fileHeaderLength)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// The file offset of the next record not yet handed out (mutating only so that it can be
    /// asked through the owner's optional without consuming the reader).
    mutating func stopOffset() -> Int64 { bufferFileOffset + Int64(position) }

    /// Lends the next record to `body` and returns true; false when the next record is not one
    /// this reader handles exactly (see the type's notes), leaving it unread.
    mutating func next(_ body: (UnsafeBufferPointer<UInt8>, _ seconds: Int64, _ nanoseconds: UInt32,
                                _ wireLength: UInt32) -> Void) -> Bool {
        if filled - position < Self.recordHeaderLength && !refill() { return false }
        guard filled - position >= Self.recordHeaderLength, let base = buffer.baseAddress else { return false }
        let record = base + position
        let capturedLength = field(record, 8)
        guard capturedLength <= maxCapturedLength else { return false }
        let total = Self.recordHeaderLength + Int(capturedLength)
        if filled - position < total {
            guard refill(), filled - position >= total else { return false }
        }
        // refill() may have moved the bytes: re-derive the record's address.
        let start = buffer.baseAddress! + position
        let seconds = Int64(Int32(bitPattern: field(start, 0)))
        let fraction = field(start, 4)
        // As libpcap does for a microsecond file read at nanosecond precision (a 64-bit multiply,
        // kept to 32 bits by the caller's conversion).
        let nanoseconds = nanosecondFile ? fraction : UInt32(truncatingIfNeeded: Int64(Int32(bitPattern: fraction)) &* 1000)
        let wireLength = field(start, 12)
        position += total
        body(UnsafeBufferPointer(start: start + Self.recordHeaderLength, count: Int(capturedLength)),
             seconds, nanoseconds, wireLength)
        return true
    }

    @inline(__always) private func field(_ p: UnsafeMutablePointer<UInt8>, _ at: Int) -> UInt32 {
        let v = UnsafeRawPointer(p).loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return swapped ? UInt32(littleEndian: v).byteSwapped : UInt32(littleEndian: v)
    }

    /// Moves the unread bytes to the front and reads more; false at end of file or on an error.
    private mutating func refill() -> Bool {
        guard let base = buffer.baseAddress else { return false }
        let left = filled - position
        if left > 0 && position > 0 { memmove(base, base + position, left) }
        bufferFileOffset += Int64(position)
        position = 0
        filled = left
        var got = false
        while filled < buffer.count {
            let n = read(fd, base + filled, buffer.count - filled)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
            got = true
            // One record at most is 64 KiB: a block's worth is plenty; don't wait on slow input.
            if filled >= Self.recordHeaderLength + 65_535 { break }
        }
        return got
    }
}
