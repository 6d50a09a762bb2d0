import Testing
import STOMPCodec
import WireCore

@Suite struct STOMPNegotiationTests {
    @Test func acceptVersionAndSessionVersion() {
        let (set, unknown) = STOMPNegotiation.acceptedVersions(Array("1.0,1.2,2.0".utf8).span)
        #expect(set == [.v1_0, .v1_2])
        #expect(unknown == 1)
        #expect(set.highest == .v1_2)
        #expect(STOMPNegotiation.sessionVersion(clientAccepts: nil, serverVersion: .v1_2) == .v1_0)
        #expect(STOMPNegotiation.sessionVersion(clientAccepts: set, serverVersion: nil) == .v1_0)
        #expect(STOMPNegotiation.sessionVersion(clientAccepts: set, serverVersion: .v1_2) == .v1_2)
    }

    @Test func heartBeatParsingAndAgreement() {
        #expect(STOMPHeartBeat(Array("100,200".utf8).span) == STOMPHeartBeat(send: 100, receive: 200))
        #expect(STOMPHeartBeat(Array("100".utf8).span) == nil)
        #expect(STOMPHeartBeat(Array(",1".utf8).span) == nil)
        #expect(STOMPHeartBeat(Array("1, 2".utf8).span) == nil)
        #expect(STOMPHeartBeat(Array("99999999999999999999,1".utf8).span) == nil)
        let i = STOMPNegotiation.heartBeatIntervals(client: STOMPHeartBeat(send: 1000, receive: 0),
                                                    server: STOMPHeartBeat(send: 500, receive: 3000))
        #expect(i.clientToServer == 3000)
        #expect(i.serverToClient == nil)
        let j = STOMPNegotiation.heartBeatIntervals(client: STOMPHeartBeat(send: 100, receive: 100),
                                                    server: STOMPHeartBeat(send: 100, receive: 100))
        #expect(j.clientToServer == 100 && j.serverToClient == 100)
        #expect(STOMPNegotiation.heartBeatIntervals(client: nil, server: STOMPHeartBeat(send: 1, receive: 1)) == (nil, nil))
    }

    @Test func unescape() {
        var out: [UInt8] = []
        let b = Array("a\\cb\\nc\\\\d\\r".utf8)
        STOMPHeaderEscaping.unescape(b.span, ByteRange(0, b.count), version: .v1_2, command: .send, into: &out)
        #expect(out == Array("a:b\nc\\d\r".utf8))
        STOMPHeaderEscaping.unescape(b.span, ByteRange(0, b.count), version: .v1_2, command: .connect, into: &out)
        #expect(out == b)
    }

    @Test func catalogAbbrevsAreUniqueAndPrefixed() {
        let abbrevs = STOMPField.allCases.map(\.spec.abbrev)
        #expect(Set(abbrevs).count == abbrevs.count)
        #expect(abbrevs.allSatisfy { $0.hasPrefix("stomp.") })
        #expect(STOMPField.frame.id.catalog == 2)
    }
}

@Suite struct STOMPCaptureTests {
    /// ndpi/stomp.pcapng: a STOMP 1.1 session with known oddities.
    @Test func ndpiStompCapture() throws {
        let rows = try Fixture.captureRows("stomp/ndpi-stomp.tsv")
        #expect(rows.count == 7)
        var framers = [STOMPFramer(direction: .clientToServer), STOMPFramer(direction: .serverToClient)]
        var decoded: [(Direction, [UInt8], Decoded, STOMPRawFrame)] = []
        for (frame, dir, offset, bytes) in rows {
            framers[Int(dir.rawValue)].append(bytes.span, at: offset, frame: frame) { e, b in
                guard case .frame(let raw) = e else { return }
                var copy = [UInt8]()
                for i in 0..<b.count { copy.append(b[i]) }
                decoded.append((dir, copy, decode(copy, .v1_1, dir), raw))
            }
        }
        #expect(decoded.map { $0.2.summary.command.name } == ["STOMP", "CONNECTED", "SUBSCRIBE", "SEND", "", "DISCONNECT", "RECEIPT"])
        // The STOMP frame has accept-version but no host (the checker's STOMP-1.1-CONNECT-HDRS).
        #expect(decoded[0].2.summary.acceptVersion != nil && decoded[0].2.summary.host == nil)
        #expect(decoded[1].2.summary.heartBeat == STOMPHeartBeat(send: 100, receive: 100))
        // Lowercase `message`: unknown server command, and no subscription header.
        let message = decoded[4]
        #expect(message.2.rules == ["STOMP-1.1-FRAME-COMMAND"])
        #expect(message.2.summary.subscription == nil)
        #expect(string(message.1, message.2.summary.body) == "hello world")
        #expect(message.3.firstFrame == 12)
        // Every other frame decodes cleanly.
        for (i, d) in decoded.enumerated() where i != 4 { #expect(d.2.diagnostics.isEmpty, "\(d.2.diagnostics)") }
    }
}
