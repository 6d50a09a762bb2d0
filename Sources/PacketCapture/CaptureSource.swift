internal import CLibpcap
internal import CGzipFile
import Glibc
public import WireCore

/// Why a capture could not be opened or read further.
public struct CaptureError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One frame's record header.
public struct FrameHeader: Sendable {
    public var number: FrameNumber
    public var time: Timestamp
    /// Bytes present in the capture.
    public var capturedLength: Int
    /// Bytes the frame had on the wire (more than captured when the snap length cut it).
    public var wireLength: Int
}

/// What `next` found.
public enum ReadStatus: Sendable, Equatable {
    case frame
    /// Live capture only: the read timeout passed with no packet.
    case idle
    case endOfFile
    /// The record could not be read (damaged or truncated file); frames before it were delivered.
    case damaged(String)
}

/// An open capture: a file (pcap or pcapng, "-" for standard input) or a live interface.
///
/// Frames are lent to the caller's closure and are valid only during that call: libpcap reuses
/// its buffer for the next record, so nothing is copied here. One owner, closed on deinit.
public struct CaptureSource: ~Copyable {
    let handle: OpaquePointer
    /// The stdio buffer of a file source (nil for a live one); freed after the file is closed.
    private let fileBuffer: UnsafeMutablePointer<CChar>?
    public let name: String
    /// The libpcap DLT_ value of the link layer.
    public let dataLinkType: Int32
    public let snapLength: Int
    private var frameCount: FrameNumber = 0
    /// A live capture reads packets as they arrive; files read to their end.
    let isLive: Bool
    /// Stopping: packets already captured are still read (without waiting), then the end is reported.
    private var draining = false

    /// The stdio buffer libpcap reads a file through. glibc's default (the file system's block size,
    /// 4 KiB) costs one `read` system call per few frames; a quarter megabyte, with stdio's locking
    /// off (one thread reads each file), halves the time libpcap takes to hand out a large file's
    /// records (docs/benchmark.md).
    static let fileBufferSize = 256 << 10

    /// Opens a pcap or pcapng file; "-" reads standard input. Timestamps keep nanoseconds.
    public init(file path: String) throws(CaptureError) {
        // The file is opened here, not by pcap_open_offline, only to give it a larger stdio buffer;
        // libpcap still reads and checks every header and record (pcap_fopen_offline).
        // Standard input through a duplicate descriptor, so closing the capture leaves fd 0 open.
        // A regular gzip file (magic 1f 8b) is read through zlib, decompressed as libpcap asks for
        // bytes. The magic is read with pread, which neither moves the stream nor touches stdio's
        // buffer; pipes, FIFOs and standard input cannot be peeked without losing bytes, so they are
        // read as they are (`zcat f.pcap.gz | mqscope read -`).
        var file: UnsafeMutablePointer<FILE>? = path == "-" ? fdopen(dup(0), "rb") : fopen(path, "rb")
        if path != "-", let f = file {
            var st = stat()
            var magic: (UInt8, UInt8) = (0, 0)
            if fstat(fileno(f), &st) == 0, st.st_mode & S_IFMT == S_IFREG,
               withUnsafeMutableBytes(of: &magic, { pread(fileno(f), $0.baseAddress, 2, 0) }) == 2,
               magic == (0x1f, 0x8b) {
                fclose(f)
                file = mqscope_gzip_fopen(path)
            }
        }
        guard let file else {
            throw CaptureError(Self.explain(String(cString: strerror(errno))))
        }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.fileBufferSize)
        setvbuf(file, buffer, _IOFBF, Self.fileBufferSize)
        mqscope_unlocked_stdio(file)   // only this source's thread reads the file
        try self.init(offline: file, buffer: buffer, name: path)
    }

    /// Reads a capture held in memory (the whole-capture fuzz target): `bytes` must outlive the
    /// source. The same libpcap reading as a file's.
    public init(memory bytes: UnsafeRawBufferPointer, name: String) throws(CaptureError) {
        guard let base = bytes.baseAddress, bytes.count > 0,
              let file = fmemopen(UnsafeMutableRawPointer(mutating: base), bytes.count, "rb") else {
            throw CaptureError("empty capture")
        }
        try self.init(offline: file, buffer: nil, name: name)
    }

    /// Hands `file` (its stdio buffer `buffer`, if any) to libpcap, which checks the headers.
    private init(offline file: UnsafeMutablePointer<FILE>, buffer: UnsafeMutablePointer<CChar>?,
                 name: String) throws(CaptureError) {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        else {
            // On failure libpcap leaves the file open.
            fclose(file)
            buffer?.deallocate()
            let message = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CaptureError(Self.explain(message))
        }
        self.handle = h
        self.fileBuffer = buffer
        self.name = name
        self.dataLinkType = pcap_datalink(h)
        self.snapLength = Int(pcap_snapshot(h))
        self.isLive = false
    }

    init(handle: OpaquePointer, name: String) {
        self.isLive = true
        self.handle = handle
        self.fileBuffer = nil
        self.name = name
        self.dataLinkType = pcap_datalink(handle)
        self.snapLength = Int(pcap_snapshot(handle))
    }

    deinit {
        // pcap_close closes the file, which must not outlive its buffer.
        pcap_close(handle)
        fileBuffer?.deallocate()
    }

    /// The DLT name libpcap knows for the link type, e.g. "EN10MB".
    public var dataLinkName: String {
        guard let p = pcap_datalink_val_to_name(dataLinkType) else { return "DLT \(dataLinkType)" }
        return String(cString: p)
    }

    /// Stops a live capture without losing what it already holds: later reads return the packets
    /// libpcap has buffered, without waiting for more, and then the end. No effect on files.
    public mutating func beginDrain() {
        guard isLive, !draining else { return }
        draining = true
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        _ = pcap_setnonblock(handle, 1, &errbuf)
    }

    /// Reads the next frame and lends it to `body`.
    public mutating func next(_ body: (Span<UInt8>, FrameHeader) -> Void) -> ReadStatus {
        var hdr: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        var rc = pcap_next_ex(handle, &hdr, &data)
        if rc == -2 && isLive && !draining {
            // pcap_breakloop (a signal): drain what was captured before the stop.
            beginDrain()
            rc = pcap_next_ex(handle, &hdr, &data)
        }
        switch rc {
        case 1:
            guard let hdr, let data else { return .damaged("libpcap returned an empty record") }
            frameCount &+= 1
            let h = hdr.pointee
            let header = FrameHeader(
                number: frameCount,
                time: Timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: UInt32(truncatingIfNeeded: h.ts.tv_usec)),
                capturedLength: Int(h.caplen), wireLength: Int(h.len))
            let buffer = UnsafeBufferPointer(start: data, count: Int(h.caplen))
            body(buffer.span, header)
            return .frame
        case 0:
            // Live capture: the read timeout expired with no packet (or, draining, none is left).
            return draining ? .endOfFile : .idle
        case -2:
            return .endOfFile
        default:
            return .damaged(Self.explain(String(cString: pcap_geterr(handle))))
        }
    }

    /// The number of the last frame delivered.
    public var framesRead: FrameNumber { frameCount }

    /// Rewords libpcap's messages where a newcomer would not understand them.
    static func explain(_ message: String) -> String {
        // libpcap reads nothing from an empty file or input and calls it truncated.
        if message.contains("file header bytes, only got 0") { return "the file is empty (0 bytes): not a capture" }
        if message.contains("unknown file format") { return "not a pcap or pcapng capture (unknown file format)" }
        if message.hasPrefix("truncated dump file") || message.contains("truncated pcapng") {
            return "the file ends in the middle of a record (\(message))"
        }
        return message
    }
}
