internal import CLibpcap
import WireCore
#if canImport(Glibc)
import Glibc
#endif

/// Settings for capturing from a network interface.
public struct LiveSettings: Sendable {
    public var interface: String
    /// A BPF filter expression (tcpdump syntax); nil captures everything.
    public var filter: String?
    public var promiscuous = false
    public var snapLength: Int32 = 262_144
    /// Milliseconds libpcap may wait to batch packets; immediate mode is always on, so this only
    /// bounds how long a read waits when nothing arrives (lets stop conditions be checked).
    public var readTimeoutMilliseconds: Int32 = 100
    /// The kernel's capture buffer. In immediate mode each packet takes a slot as large as the
    /// snap length (or the interface's MTU), so libpcap's default 2 MiB holds only a few dozen
    /// packets and a reader that loses the CPU briefly loses packets; 32 MiB holds hundreds.
    public var bufferBytes: Int32 = 32 << 20
    public init(interface: String, filter: String?) {
        self.interface = interface
        self.filter = filter
    }
}

/// An interface libpcap can open.
public struct InterfaceInfo: Sendable {
    public var name: String
    public var description: String?
    public var isLoopback: Bool
    public var isUp: Bool
}

/// The kernel's counters for a live capture (pcap_stats).
public struct LiveStatistics: Sendable {
    public var received: UInt32
    public var droppedByKernel: UInt32
    public var droppedByInterface: UInt32
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension CaptureSource {
    /// Opens an interface for live capture: full snap length, immediate mode (each packet is
    /// delivered as soon as it is seen), nanosecond timestamps when the platform has them.
    /// Errors carry libpcap's message and, for permissions, the command that fixes it.
    public init(live settings: LiveSettings) throws(CaptureError) {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(settings.interface, &errbuf) else {
            throw CaptureError(cString(errbuf))
        }
        pcap_set_snaplen(h, settings.snapLength)
        pcap_set_promisc(h, settings.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(h, 1)
        pcap_set_buffer_size(h, settings.bufferBytes)
        pcap_set_timeout(h, settings.readTimeoutMilliseconds)
        _ = pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let rc = pcap_activate(h)
        if rc < 0 {
            let detail = String(cString: pcap_geterr(h))
            pcap_close(h)
            switch rc {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw CaptureError("no such interface '\(settings.interface)' (`mqscope live --list-interfaces` lists them)")
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw CaptureError(
                    "no permission to capture on '\(settings.interface)' (\(detail)). Run as root, or grant the "
                        + "capability once: sudo setcap cap_net_raw,cap_net_admin=eip \"$(command -v mqscope)\"")
            default:
                throw CaptureError("cannot open interface '\(settings.interface)': \(detail)")
            }
        }
        if let expr = settings.filter {
            var program = bpf_program()
            if pcap_compile(h, &program, expr, 1, PCAP_NETMASK_UNKNOWN) != 0 {
                let detail = String(cString: pcap_geterr(h))
                pcap_close(h)
                throw CaptureError("capture filter '\(expr)' does not compile: \(detail)")
            }
            let set = pcap_setfilter(h, &program)
            pcap_freecode(&program)
            if set != 0 {
                let detail = String(cString: pcap_geterr(h))
                pcap_close(h)
                throw CaptureError("cannot apply capture filter '\(expr)': \(detail)")
            }
        }
        self.init(handle: h, name: settings.interface)
    }

    /// Interfaces libpcap can open, as `pcap_findalldevs` lists them.
    public static func interfaces() throws(CaptureError) -> [InterfaceInfo] {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var list: UnsafeMutablePointer<pcap_if_t>? = nil
        if pcap_findalldevs(&list, &errbuf) != 0 { throw CaptureError(cString(errbuf)) }
        defer { pcap_freealldevs(list) }
        var out: [InterfaceInfo] = []
        var p = list
        while let dev = p {
            let d = dev.pointee
            out.append(InterfaceInfo(
                name: String(cString: d.name), description: d.description.map { String(cString: $0) },
                isLoopback: d.flags & UInt32(PCAP_IF_LOOPBACK) != 0, isUp: d.flags & UInt32(PCAP_IF_UP) != 0))
            p = d.next
        }
        return out
    }

    /// The kernel's received/dropped counters (live captures only).
    public func statistics() -> LiveStatistics? {
        var s = pcap_stat()
        guard pcap_stats(handle, &s) == 0 else { return nil }
        return LiveStatistics(received: s.ps_recv, droppedByKernel: s.ps_drop, droppedByInterface: s.ps_ifdrop)
    }

    /// The counters of the capture `token` (its `interruptToken`) stands for; only from the thread
    /// that reads it (`live --metrics` asks between frames), as libpcap keeps them in the handle.
    public static func statistics(token: UInt) -> LiveStatistics? {
        guard let raw = UnsafeRawPointer(bitPattern: token) else { return nil }
        var s = pcap_stat()
        guard pcap_stats(OpaquePointer(raw), &s) == 0 else { return nil }
        return LiveStatistics(received: s.ps_recv, droppedByKernel: s.ps_drop, droppedByInterface: s.ps_ifdrop)
    }

    /// An opaque token for `CaptureSource.interrupt(token:)`: lets a signal handler, which can
    /// reach only global state, stop a read that is blocked waiting for packets.
    public var interruptToken: UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle))) }

    /// Makes a blocked read return at once (libpcap documents pcap_breakloop as usable from a
    /// signal handler; on Linux it wakes the poll through an eventfd). The read then reports the
    /// end of the capture.
    public static func interrupt(token: UInt) {
        guard let raw = UnsafeRawPointer(bitPattern: token) else { return }
        pcap_breakloop(OpaquePointer(raw))
    }
}

/// Writes frames to a pcap file as they are read (`live -w`). Closed (and flushed) on deinit, or
/// explicitly with `close()` so the file is complete before the program reports on it.
public final class CaptureWriter {
    var dumper: OpaquePointer?

    /// Opens `path` for writing with the link type and snap length of `source`.
    public init(path: String, for source: borrowing CaptureSource) throws(CaptureError) {
        guard let d = pcap_dump_open(source.handle, path) else {
            throw CaptureError("cannot write '\(path)': \(String(cString: pcap_geterr(source.handle)))")
        }
        dumper = d
    }

    deinit { close() }

    public func close() {
        if let d = dumper { pcap_dump_close(d) }
        dumper = nil
    }

    /// Appends one frame.
    public func write(_ frame: Span<UInt8>, header: FrameHeader) {
        guard let dumper else { return }
        var h = pcap_pkthdr()
        h.ts.tv_sec = Int(header.time.seconds)
        // pcap_dump writes the precision the capture was opened with (nanoseconds here).
        h.ts.tv_usec = Int(header.time.nanoseconds)
        h.caplen = UInt32(header.capturedLength)
        h.len = UInt32(header.wireLength)
        frame.withUnsafeBufferPointer { buf in
            withUnsafePointer(to: &h) { hp in
                pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), hp, buf.baseAddress)
            }
        }
    }

    public func flush() { if let dumper { _ = pcap_dump_flush(dumper) } }
}
