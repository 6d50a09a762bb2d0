import Foundation
import Testing
import WebSocketCodec
import TCPReassembly
import PacketCapture
import PacketLayers
import WireCore
import TestSupport

/// The WebSocket streams of captures/, fed to WebSocketConnection whole, byte by byte and in
/// random splits, give identical handshakes, frames, application bytes and findings. The client
/// direction is fed first: its bytes after the upgrade request wait for the server's response.
@Suite struct WebSocketDripFeedTests {
    /// One connection's stream pieces in capture order, both directions interleaved (the server's
    /// response must come before the client's frames are read).
    struct Recorder: StreamConsumer {
        var pieces: [ConnectionID: [(Direction, DripFeedTests.Piece)]] = [:]
        mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {}
        mutating func streamData(_ id: ConnectionID, _ d: Direction, offset: UInt64, bytes: Span<UInt8>,
                                 frame: FrameNumber, time: Timestamp) {
            var a = [UInt8](); for i in 0..<bytes.count { a.append(bytes[i]) }
            pieces[id, default: []].append((d, .data(offset, a)))
        }
        mutating func streamGap(_ id: ConnectionID, _ d: Direction, range: StreamRange, cause: GapCause,
                                frame: FrameNumber, time: Timestamp) {
            pieces[id, default: []].append((d, .gap(range)))
        }
        mutating func streamOverlap(_ id: ConnectionID, _ d: Direction, range: StreamRange, firstFrame: FrameNumber,
                                    secondFrame: FrameNumber, conflicting: Bool) {}
        mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                       frame: FrameNumber, time: Timestamp) {}
    }

    static func pieces(of file: URL) throws -> [ConnectionID: [(Direction, DripFeedTests.Piece)]] {
        var source = try CaptureSource(file: file.path)
        guard let link = LinkType(dlt: source.dataLinkType) else { return [:] }
        var decoder = PacketDecoder(linkType: link)
        var asm = Assembler(consumer: Recorder(), serverPorts: [9001, 61623])
        var last = Timestamp.zero
        while case .frame = source.next({ frame, h in
            last = h.time
            _ = decoder.decode(frame: frame, wireLength: h.wireLength) { seg, payload in
                asm.process(seg, payload: payload, frame: h.number, time: h.time, frameLength: h.wireLength)
            }
        }) {}
        asm.finish(frame: 0, time: last)
        return asm.consumer.pieces
    }

    /// Every event in order: handshakes, frames (with their fields and findings), application
    /// bytes, gaps and problems.
    static func transcript(_ pieces: [(Direction, DripFeedTests.Piece)], chunk next: () -> Int) -> [String] {
        var conn = WebSocketConnection()
        var lines: [String] = []
        let onEvent: (WebSocketEvent, Span<UInt8>) -> Void = { event, bytes in
            switch event {
            case .handshake(let h, let tree, let diags, let stream, _):
                lines.append("handshake \(stream) request=\(h.isRequest) upgrades=\(h.upgrades) nodes=\(tree.nodes.count) \(diags.map(\.rule))")
            case .frame(let f, let tree, let diags):
                lines.append("frame \(f.stream) \(f.opcode) fin=\(f.fin) len=\(f.payloadLength) nodes=\(tree.nodes.count) \(diags.map(\.rule))")
            case .applicationData(let c):
                var a = [UInt8](); for i in 0..<bytes.count { a.append(bytes[i]) }
                lines.append("app \(c.appOffset) \(a)")
            case .applicationGap(let at, _):
                lines.append("app-gap \(at)")
            case .problem(let f):
                lines.append("problem \(f.rule) \(f.range)")
            }
        }
        for (direction, p) in pieces {
            switch p {
            case .gap(let r): conn.gap(r, direction: direction, onEvent: onEvent)
            case .data(let offset, let bytes):
                var i = 0
                while i < bytes.count {
                    let n = max(1, min(next(), bytes.count - i))
                    let part = Array(bytes[i..<(i + n)])
                    conn.append(part.span, direction: direction, at: offset + UInt64(i), frame: 0, onEvent: onEvent)
                    i += n
                }
            }
        }
        // Application bytes arrive in different chunks: compare them joined per direction start.
        var joined: [String] = []
        var appBytes: [UInt8] = []
        for l in lines {
            if l.hasPrefix("app ") {
                appBytes += l.split(separator: "[").last!.split(separator: ",").compactMap { UInt8($0.trimmingCharacters(in: CharacterSet(charactersIn: " ]"))) }
            } else {
                if !appBytes.isEmpty { joined.append("app \(appBytes)"); appBytes = [] }
                joined.append(l)
            }
        }
        if !appBytes.isEmpty { joined.append("app \(appBytes)") }
        return joined
    }

    static var captures: [URL] {
        ["mqtt-websocket.pcap", "stomp-websocket.pcap", "hostile/mqtt-websocket-reframed.pcap"]
            .map { Paths.captures.appendingPathComponent($0) }
    }

    @Test("WebSocket streams: whole, byte by byte and random splits decode identically", arguments: captures)
    func identicalAcrossSplits(_ file: URL) throws {
        let connections = try Self.pieces(of: file)
        #expect(!connections.isEmpty)
        for (id, pieces) in connections.sorted(by: { $0.key < $1.key }) {
            let whole = Self.transcript(pieces) { Int.max }
            let drip = Self.transcript(pieces) { 1 }
            var rng = SeededRNG(seed: 6_700_417 &+ UInt64(id))
            let random = Self.transcript(pieces) { Int(rng.next() % 41) + 1 }
            #expect(whole == drip, "\(file.lastPathComponent) #\(id): byte-by-byte differs")
            #expect(whole == random, "\(file.lastPathComponent) #\(id): random splits differ")
            #expect(whole.filter { $0.hasPrefix("frame ") }.count >= 10)
            #expect(!whole.contains { $0.hasPrefix("problem") || $0.contains("WS-") }, "\(whole.filter { $0.contains("WS-") })")
        }
    }
}
