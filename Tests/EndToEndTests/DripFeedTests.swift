import Foundation
import Testing
import MQTTCodec
import PacketCapture
import PacketLayers
import TCPReassembly
import WireCore
import TestSupport

/// Every reassembled stream of captures/, decoded whole, byte by byte and in random splits,
/// gives identical packets: same bytes, stream ranges, field trees and findings.
@Suite struct DripFeedTests {
    /// One direction's stream as reassembly delivered it: data and gaps in order.
    enum Piece { case data(UInt64, [UInt8]), gap(StreamRange) }

    struct Recorder: StreamConsumer {
        var streams: [String: [Piece]] = [:]
        mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {}
        mutating func streamData(_ id: ConnectionID, _ d: Direction, offset: UInt64, bytes: Span<UInt8>,
                                 frame: FrameNumber, time: Timestamp) {
            var a = [UInt8](); for i in 0..<bytes.count { a.append(bytes[i]) }
            streams["\(id)-\(d)", default: []].append(.data(offset, a))
        }
        mutating func streamGap(_ id: ConnectionID, _ d: Direction, range: StreamRange, cause: GapCause,
                                frame: FrameNumber, time: Timestamp) {
            streams["\(id)-\(d)", default: []].append(.gap(range))
        }
        mutating func streamOverlap(_ id: ConnectionID, _ d: Direction, range: StreamRange, firstFrame: FrameNumber,
                                    secondFrame: FrameNumber, conflicting: Bool) {}
        mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                       frame: FrameNumber, time: Timestamp) {}
    }

    static func streams(of file: URL) throws -> [String: [Piece]] {
        var source = try CaptureSource(file: file.path)
        guard let link = LinkType(dlt: source.dataLinkType) else { return [:] }
        var decoder = PacketDecoder(linkType: link)
        var asm = Assembler(consumer: Recorder(), serverPorts: [1883, 11883, 61613, 8883])
        var last = Timestamp.zero
        while case .frame = source.next({ frame, h in
            last = h.time
            _ = decoder.decode(frame: frame, wireLength: h.wireLength) { seg, payload in
                asm.process(seg, payload: payload, frame: h.number, time: h.time, frameLength: h.wireLength)
            }
        }) {}
        asm.finish(frame: 0, time: last)
        return asm.consumer.streams
    }

    /// Feeds the stream in chunks of the sizes `next` gives and returns a transcript of every
    /// packet (bytes, range, fields, findings) and framer finding.
    static func transcript(_ pieces: [Piece], version: MQTTVersion, chunk next: () -> Int) -> [String] {
        var framer = MQTTFramer()
        var lines: [String] = []
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void = { pdu, info in
            tree.reset(); diags.removeAll()
            _ = MQTTDecoder.decode(pdu, version: version, into: &tree, diagnostics: &diags)
            var bytes = [UInt8](); for i in 0..<pdu.count { bytes.append(pdu[i]) }
            lines.append("pdu \(info.streamRange) \(bytes) trunc=\(info.truncated)")
            for n in tree.nodes { lines.append("  \(n.field.raw) \(n.range) \(n.bitMask) \(n.value) \(n.subtreeEnd)") }
            for d in diags { lines.append("  ! \(d.rule) \(String(describing: d.range)) \(d.message)") }
        }
        for p in pieces {
            switch p {
            case .gap(let r): framer.gap(r, frame: 0)
            case .data(let offset, let bytes):
                var i = 0
                while i < bytes.count {
                    let n = max(1, min(next(), bytes.count - i))
                    let part = Array(bytes[i..<(i + n)])
                    framer.append(part.span, at: offset + UInt64(i), frame: 0, onPDU: onPDU)
                    i += n
                }
            }
        }
        framer.finish(onPDU: onPDU)
        for f in framer.findings { lines.append("finding \(f.rule) \(f.range) \(f.message)") }
        return lines
    }

    static var captures: [URL] {
        Paths.captureFiles(under: Paths.captures).filter {
            !["not-a-capture.pcap", "unsupported-linktype.pcap"].contains($0.lastPathComponent)
        }
    }

    @Test("whole, byte by byte and random splits decode identically", arguments: captures)
    func identicalAcrossSplits(_ file: URL) throws {
        let streams = try Self.streams(of: file)
        var compared = 0
        for (key, pieces) in streams.sorted(by: { $0.key < $1.key }) {
            let firstByte: UInt8? = pieces.lazy.compactMap { if case .data(_, let b) = $0 { b.first } else { nil } }.first
            guard firstByte != nil else { continue }
            for version in [MQTTVersion.v3_1_1, .v5] {
                let whole = Self.transcript(pieces, version: version) { Int.max }
                let drip = Self.transcript(pieces, version: version) { 1 }
                var rng = SeededRNG(seed: UInt64(key.utf8.count) &* 7919 &+ UInt64(version.rawValue))
                let random = Self.transcript(pieces, version: version) { Int(rng.next() % 97) + 1 }
                #expect(whole == drip, "\(file.lastPathComponent) \(key) v\(version): byte-by-byte differs")
                #expect(whole == random, "\(file.lastPathComponent) \(key) v\(version): random splits differ")
                compared += 1
            }
        }
        // Every capture with stream bytes was compared (snap-length-cut ones may hold only gaps).
        let withData = streams.values.contains { $0.contains { if case .data = $0 { true } else { false } } }
        #expect(compared > 0 || !withData)
    }
}

