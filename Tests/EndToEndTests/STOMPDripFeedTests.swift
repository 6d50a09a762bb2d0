import Foundation
import Testing
import STOMPCodec
import TCPReassembly
import WireCore
import TestSupport

/// Every STOMP stream of captures/ (and nDPI's), decoded whole, byte by byte and in random
/// splits, gives identical frames, heart-beats, field trees and findings.
@Suite struct STOMPDripFeedTests {
    static func transcript(_ pieces: [DripFeedTests.Piece], direction: Direction, chunk next: () -> Int) -> [String] {
        var framer = STOMPFramer(direction: direction)
        var lines: [String] = []
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let onEvent: (STOMPFramerEvent, Span<UInt8>) -> Void = { event, bytes in
            switch event {
            case .frame(let raw):
                tree.reset(); diags.removeAll()
                let s = STOMPDecoder.decode(bytes, version: .v1_2, direction: direction, into: &tree, diagnostics: &diags)
                var copy = [UInt8](); for i in 0..<bytes.count { copy.append(bytes[i]) }
                lines.append("frame \(raw.stream) complete=\(raw.isComplete) \(s.command) \(copy)")
                for n in tree.nodes { lines.append("  \(n.field.raw) \(n.range) \(n.value) \(n.subtreeEnd)") }
                for d in diags { lines.append("  ! \(d.rule) \(String(describing: d.range)) \(d.message)") }
            case .heartBeat(let eol):
                lines.append("heart-beat \(eol.stream)")
            case .problem(let p):
                lines.append("problem \(p.diagnostic.rule) \(p.range)")
            }
        }
        for p in pieces {
            switch p {
            case .gap(let r): framer.gap(r, onEvent: onEvent)
            case .data(let offset, let bytes):
                var i = 0
                while i < bytes.count {
                    let n = max(1, min(next(), bytes.count - i))
                    let part = Array(bytes[i..<(i + n)])
                    framer.append(part.span, at: offset + UInt64(i), frame: 0, onEvent: onEvent)
                    i += n
                }
            }
        }
        framer.finish(onEvent: onEvent)
        return lines
    }

    static var captures: [URL] {
        [Paths.captures.appendingPathComponent("stomp-activemq.pcap")]
            + (Corpus.isAvailable ? [Paths.external.appendingPathComponent("ndpi/stomp.pcapng")] : [])
    }

    @Test("STOMP streams: whole, byte by byte and random splits decode identically", arguments: captures)
    func identicalAcrossSplits(_ file: URL) throws {
        let streams = try DripFeedTests.streams(of: file)
        var frames = 0
        for (key, pieces) in streams.sorted(by: { $0.key < $1.key }) {
            let direction: Direction = key.hasSuffix("\(Direction.clientToServer)") ? .clientToServer : .serverToClient
            let whole = Self.transcript(pieces, direction: direction) { Int.max }
            let drip = Self.transcript(pieces, direction: direction) { 1 }
            var rng = SeededRNG(seed: UInt64(key.utf8.count) &* 104729)
            let random = Self.transcript(pieces, direction: direction) { Int(rng.next() % 61) + 1 }
            #expect(whole == drip, "\(file.lastPathComponent) \(key): byte-by-byte differs")
            #expect(whole == random, "\(file.lastPathComponent) \(key): random splits differ")
            frames += whole.filter { $0.hasPrefix("frame ") }.count
        }
        #expect(frames >= 7)  // nDPI's capture has 7 frames; ours many more
    }
}
