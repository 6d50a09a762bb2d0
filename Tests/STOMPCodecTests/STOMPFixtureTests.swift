import Testing
import STOMPCodec
import WireCore

@Suite struct STOMPFixtureTests {
    @Test(arguments: ["v1.0.stomp", "v1.1.stomp", "v1.2.stomp"])
    func everyFrameTypePerVersion(_ file: String) throws {
        let (version, frames) = STOMPFixtureParser.parse(try Fixture.text("stomp/" + file))
        #expect(frames.count >= 13)
        for f in frames {
            let d = decode(f.bytes, version, f.direction)
            #expect(d.summary.command.name == f.command, "\(file) \(f.command)")
            #expect(d.summary.headerCount == f.headers, "\(file) \(f.command) headers")
            #expect(d.summary.body.count == f.body, "\(file) \(f.command) body")
            #expect(d.rules.sorted() == f.diagnostics.sorted(), "\(file) \(f.command): \(d.diagnostics)")
            #expect(d.summary.isTerminated)
            for n in d.tree.nodes { #expect(n.range.lower >= 0 && n.range.upper <= f.bytes.count) }
        }
        // The framer finds the same frames in each direction's concatenated stream.
        for dir in Direction.allCases {
            let expected = frames.filter { $0.direction == dir }.map(\.bytes)
            let got = frameAll([expected.flatMap { $0 }], direction: dir).compactMap { e, b -> [UInt8]? in
                if case .frame = e { return b }
                return nil
            }
            #expect(got == expected, "\(file) \(dir)")
        }
    }

    @Test func sendFieldTree() {
        let text = "SEND\ndestination:/q\ncontent-length:2\n\nhi\0"
        let bytes = Array(text.utf8)
        let d = decode(bytes, .v1_2)
        #expect(d.tree.abbrevs == [
            "stomp.frame", "stomp.command",
            "stomp.header", "stomp.header.name", "stomp.header.value",
            "stomp.header", "stomp.header.name", "stomp.header.value", "stomp.header.content_length",
            "stomp.body", "stomp.body.length", "stomp.frame_end",
        ])
        let n = d.tree.nodes
        #expect(n[0].range == ByteRange(0, bytes.count))
        #expect(n[1].range == ByteRange(0, 4) && n[1].value == .text(ByteRange(0, 4), valid: true))
        #expect(n[2].range == ByteRange(5, 19))
        #expect(n[3].range == ByteRange(5, 16))
        #expect(n[4].value == .text(ByteRange(17, 19), valid: true))
        #expect(n[8].value == .uint(2) && n[8].range == ByteRange(35, 36))
        #expect(n[9].value == .bytes(ByteRange(38, 40)))
        #expect(n[10].value == .uint(2))
        #expect(n[11].range == ByteRange(40, 41))
        #expect(d.diagnostics.isEmpty)
        #expect(string(bytes, d.summary.destination) == "/q")
        #expect(d.summary.contentLength == 2)
        #expect(n[0].subtreeEnd == Int32(n.count))
    }

    @Test func passcodeIsRedactedAndSummaryLookups() {
        let bytes = Array("CONNECT\naccept-version:1.2\nhost:h\nlogin:u\npasscode:pw\nheart-beat:10,20\n\n\0".utf8)
        let d = decode(bytes, .v1_2)
        let values = d.tree.nodes.filter { $0.field == STOMPField.headerValue.id }.map(\.value)
        #expect(values.contains(.redacted(ByteRange(51, 53))))
        #expect(string(bytes, d.summary.passcode) == "pw")
        #expect(string(bytes, d.summary.login) == "u")
        #expect(string(bytes, d.summary.host) == "h")
        #expect(string(bytes, d.summary.acceptVersion) == "1.2")
        #expect(d.summary.heartBeat == STOMPHeartBeat(send: 10, receive: 20))
        #expect(d.tree.first(STOMPField.headerHeartBeatSend.id)?.value == .uint(10))
        #expect(d.tree.first(STOMPField.headerHeartBeatReceive.id)?.value == .uint(20))
    }

    @Test func repeatedHeaderFirstWins() {
        let bytes = Array("MESSAGE\ndestination:/a\nmessage-id:1\nsubscription:s\ndestination:/b\n\n\0".utf8)
        let d = decode(bytes, .v1_2, .serverToClient)
        #expect(string(bytes, d.summary.destination) == "/a")
        #expect(d.tree.nodes.filter { $0.field == STOMPField.headerRepeated.id }.count == 1)
        #expect(d.rules == ["STOMP-1.2-REPEATED-HDR"])
    }

    @Test func treeReusedAcrossFramesWithoutReset() {
        // A long frame, then a short one decoded into the same tree: no false repeats, no trap.
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let first = Array("SEND\ndestination:/a/very/long/destination/name\n\n\0".utf8)
        let second = Array("SEND\ndestination:/b\n\n\0".utf8)
        _ = STOMPDecoder.decode(first.span, version: .v1_2, direction: .clientToServer, into: &tree, diagnostics: &diags)
        let s = STOMPDecoder.decode(second.span, version: .v1_2, direction: .clientToServer, into: &tree, diagnostics: &diags)
        #expect(diags.isEmpty)
        #expect(s.destination == ByteRange(17, 19))
    }

    @Test func lowercaseMessageIsUnknown() {
        let d = decode("message\ndestination:/a\n\n\0", .v1_1, .serverToClient)
        guard case .unknown(let kept) = d.summary.command else {
            Issue.record("expected unknown")
            return
        }
        #expect(kept == Array("message".utf8))
        #expect(d.summary.commandRange == ByteRange(0, 7))
        #expect(d.rules == ["STOMP-1.1-FRAME-COMMAND"])
        #expect(d.diagnostics.first?.severity == .error)
    }
}
