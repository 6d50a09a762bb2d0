import Testing
import WireCore
import STOMPCodec
import Conformance

private func describe(_ f: [CheckFinding]) -> [String] { f.map { "\($0.rule)@\($0.frames) \($0.severity) \($0.message)" } }

@Suite struct STOMPCheckerTests {
    // MARK: Catalog

    @Test func everyCoveredStatementIsAStompStatement() {
        let stomp = Set(SpecStatement.all.filter { $0.family == .stomp }.map(\.id))
        for r in STOMPCheckRule.allCases {
            let unknown = r.descriptor.covers.filter { !stomp.contains($0) }
            #expect(unknown.isEmpty, "\(r.rawValue) covers unknown statements \(unknown)")
        }
    }

    @Test func idsFollowTheVersionConvention() {
        for r in STOMPCheckRule.allCases {
            let d = r.descriptor
            #expect(!d.ids.isEmpty, "\(r.rawValue) applies to no version")
            for v in STOMPVersion.allCases {
                guard let id = d.id(for: v) else { continue }
                #expect(id.rawValue.hasPrefix("STOMP-\(v)-"), "\(r.rawValue): \(id) for \(v)")
            }
        }
        #expect(STOMPCheckRule.ackID.descriptor.id(for: .v1_0) == "STOMP-1.0-ACK-MSGID")
        #expect(STOMPCheckRule.ackID.descriptor.id(for: .v1_1) == "STOMP-1.1-ACK-HDRS")
        #expect(STOMPCheckRule.ackID.descriptor.id(for: .v1_2) == "STOMP-1.2-ACK-ID")
        #expect(STOMPCheckRule.unsubscribeID.descriptor.id(for: .v1_0) == "STOMP-1.0-UNSUB-DEST-OR-ID")
        #expect(STOMPCheckRule.heartBeatEOL.descriptor.ids == ["STOMP-1.1-HB-EOL"])
        #expect(STOMPCheckRule.messageHeaders.descriptor.severity(for: .v1_1) == .warning)
        #expect(STOMPCheckRule.messageHeaders.descriptor.severity(for: .v1_2) == .error)
    }

    /// Every observable (and the chosen partly) stomp statement the decoder does not check is
    /// covered by a check rule.
    @Test func observableStatementsAreCovered() {
        let decoder: Set<String> = [
            "STOMP-1.2-FRAME-NUL", "STOMP-1.2-FRAME-EOL", "STOMP-1.1-FRAME-EOL", "STOMP-1.2-FRAME-HEADER",
            "STOMP-1.2-HDR-ESCAPE-UNDEF", "STOMP-1.1-HDR-ESCAPE-UNDEF", "STOMP-1.2-HDR-ESCAPE-ENCODE",
            "STOMP-1.2-BODY-ALLOWED", "STOMP-1.2-CL-EXACT", "STOMP-1.2-UTF8", "STOMP-1.2-HB-FORMAT",
            // Bytes between frames other than EOL: the framer's FRAME-NUL.
            "STOMP-1.2-HB-EOL",
        ]
        let covered = Set(STOMPCheckRule.allCases.flatMap(\.descriptor.covers))
        for s in SpecStatement.all where s.family == .stomp && s.observable == .yes && !decoder.contains(s.id.rawValue) {
            #expect(covered.contains(s.id), "observable statement \(s.id) has no check rule")
        }
    }

    // MARK: Real frames

    /// The hand-written fixtures list every frame type of a version; run as one session they
    /// give exactly the findings their order implies (not one per frame).
    @Test(arguments: [
        // ABORT of a transaction never begun.
        ("v1.0.stomp", ["STOMP-1.0-TX-END@ABORT"]),
        // Also: NACK of message 008 (no MESSAGE 008), ERROR after the DISCONNECT's RECEIPT, SEND after DISCONNECT.
        ("v1.1.stomp", ["STOMP-1.1-TX-END@ABORT", "STOMP-1.1-ACK-HDRS@NACK", "STOMP-1.1-DISCONNECT-RECEIPT@ERROR",
                        "STOMP-1.1-DISCONNECT-LAST@SEND"]),
        // NACK of a-2 (no MESSAGE carried ack a-2).
        ("v1.2.stomp", ["STOMP-1.2-TX-END@ABORT", "STOMP-1.2-ACK-ID@NACK"]),
    ])
    func fixtureSessions(_ name: String, _ expected: [String]) throws {
        let (version, frames) = try STOMPFixtures.frames(name)
        var s = STOMPSession(version: version)
        var commands: [FrameNumber: String] = [:]
        for (d, bytes) in frames {
            s.send(d, bytes)
            let line = bytes.prefix { $0 != 0x0A && $0 != 0x0D }
            commands[s.frameNumber] = String(decoding: line, as: UTF8.self)
        }
        s.finish(closed: true)
        let got = s.findings.filter { $0.severity != .info }
            .map { "\($0.rule)@\(commands[$0.frames.last ?? 0] ?? "?")" }
        #expect(got.sorted() == expected.sorted(), "\(describe(s.findings))")
        #expect(s.findings.allSatisfy { $0.verdict != .unverifiable }, "\(describe(s.findings))")
    }

    /// The other fixture checks, frame by frame in isolation after a clean open, give no error or warning.
    @Test(arguments: ["v1.0.stomp", "v1.1.stomp", "v1.2.stomp"])
    func fixtureFramesAlone(_ name: String) throws {
        let (version, frames) = try STOMPFixtures.frames(name)
        for (d, bytes) in frames {
            var s = STOMPSession(sawStart: false, version: version)
            s.send(d, bytes)
            s.finish(closed: false)
            let bad = s.findings.filter { $0.severity != .info }
            #expect(bad.isEmpty, "\(name) \(String(decoding: bytes.prefix(12), as: UTF8.self)): \(describe(bad))")
        }
    }

    /// nDPI's stomp.pcapng: a STOMP frame without host, and a lowercase `message` without subscription.
    @Test func ndpiCapture() throws {
        var s = STOMPSession()
        for (frame, d, offset, bytes) in try STOMPFixtures.ndpiRows() {
            let k = d == .clientToServer ? 0 : 1
            #expect(s.offsets[k] == offset)
            s.frameNumber = frame - 1
            s.send(d, bytes)
        }
        s.finish(closed: true)
        let got = s.findings.map { "\($0.rule)@\($0.frames)" }
        #expect(got == ["STOMP-1.1-CONNECT-HDRS@[4]", "STOMP-1.1-MSG-HDRS@[12]"], "\(describe(s.findings))")
        let msg = try #require(s.findings.last)
        #expect(msg.severity == .warning)  // 1.1 "will include"
        #expect(msg.message.contains("sent as `message`") && msg.message.contains("subscription"), "\(msg.message)")
        #expect(msg.packetIndex == 1 && msg.direction == .serverToClient)
        #expect(msg.packetRange == ByteRange(0, 7))
        #expect(msg.streamRange == StreamRange(105, 112))
    }

    // MARK: Incomplete captures

    @Test func midStreamMakesStateRulesUnverifiable() {
        let f = STOMPSession.run(STOMPScenario([
            .c("ACK\nid:a9\n\n"), .c("UNSUBSCRIBE\nid:s7\n\n"), .s("RECEIPT\nreceipt-id:r\n\n"),
            .s("MESSAGE\ndestination:/q\nmessage-id:1\nsubscription:s7\n\n"),
        ], sawStart: false))
        #expect(f.allSatisfy { $0.severity == .info }, "\(describe(f))")
        let unverifiable = Set(f.filter { $0.verdict == .unverifiable }.compactMap(\.checkRule))
        #expect(unverifiable.isSuperset(of: ["stomp-ack-id", "stomp-unsubscribe-id", "stomp-receipt-id",
                                             "stomp-message-headers", "stomp-connect-first"]), "\(unverifiable)")
        #expect(f.filter { $0.checkRule == "stomp-mid-stream" }.count == 1)
    }

    @Test func gapMakesMissesUnverifiable() {
        let f = STOMPSession.run(STOMPScenario([
            .c("CONNECT\naccept-version:1.2\nhost:h\n\n"), .s("CONNECTED\nversion:1.2\n\n"),
            .gap(.clientToServer, 40), .c("UNSUBSCRIBE\nid:s1\n\n"), .c("SEND\n\nx"),
        ]))
        // Presence rules still apply; state misses do not.
        #expect(f.contains { $0.checkRule == "stomp-send-destination" && $0.verdict == .violation })
        #expect(f.contains { $0.checkRule == "stomp-unsubscribe-id" && $0.verdict == .unverifiable })
        #expect(!f.contains { $0.checkRule == "stomp-unsubscribe-id" && $0.verdict == .violation })
    }

    // MARK: Version specifics

    @Test func ack11NeedsMessageIDAndSubscription() {
        let open: [STOMPStep] = [.c("CONNECT\naccept-version:1.1\nhost:h\n\n"), .s("CONNECTED\nversion:1.1\n\n"),
                                 .c("SUBSCRIBE\nid:s\ndestination:/q\nack:client\n\n"),
                                 .s("MESSAGE\ndestination:/q\nmessage-id:m\nsubscription:s\n\n")]
        let missing = STOMPSession.run(STOMPScenario(open + [.c("ACK\nmessage-id:m\n\n")]))
        #expect(missing.map(\.rule) == ["STOMP-1.1-ACK-HDRS"], "\(describe(missing))")
        let unknown = STOMPSession.run(STOMPScenario(open + [.c("NACK\nmessage-id:q\nsubscription:s\n\n")]))
        #expect(unknown.map(\.rule) == ["STOMP-1.1-ACK-HDRS"], "\(describe(unknown))")
        let good = STOMPSession.run(STOMPScenario(open + [.c("ACK\nmessage-id:m\nsubscription:s\n\n")]))
        #expect(good.isEmpty, "\(describe(good))")
    }

    @Test func stomp10Rules() {
        let open: [STOMPStep] = [.c("CONNECT\nlogin:a\n\n"), .s("CONNECTED\nsession:1\n\n")]
        let f = STOMPSession.run(STOMPScenario(open + [
            .c("UNSUBSCRIBE\n\n"), .c("ACK\nmessage-id:zz\n\n"), .c("SUBSCRIBE\ndestination:/q\n\n"),
            .s("MESSAGE\ndestination:/q\nmessage-id:1\n\n"),  // no subscription: fine without SUBSCRIBE ids
        ]))
        #expect(f.map(\.rule).sorted() == ["STOMP-1.0-ACK-MSGID", "STOMP-1.0-UNSUB-DEST-OR-ID"], "\(describe(f))")
    }

    /// An ACK delivered before the MESSAGE it names (one direction held back by reassembly) is fine.
    @Test func referenceResolvedLaterIsNotReported() {
        let f = STOMPSession.run(STOMPScenario([
            .c("CONNECT\naccept-version:1.2\nhost:h\n\n"), .s("CONNECTED\nversion:1.2\n\n"),
            .c("SUBSCRIBE\nid:s\ndestination:/q\nack:client\n\n"), .c("ACK\nid:a\n\n"),
            .s("MESSAGE\ndestination:/q\nmessage-id:1\nsubscription:s\nack:a\n\n"),
        ]))
        #expect(f.isEmpty, "\(describe(f))")
    }

    @Test func trailingHeartBeatSilence() {
        let f = STOMPSession.run(STOMPScenario([
            .c("CONNECT\naccept-version:1.2\nhost:h\nheart-beat:0,2000\n\n"),
            .s("CONNECTED\nversion:1.2\nheart-beat:2000,0\n\n"), .wait(5),
        ]))
        #expect(f.map(\.rule) == ["STOMP-1.2-HB-SEND"], "\(describe(f))")
        #expect(f.first?.direction == .serverToClient && f.first?.packetIndex == nil)
        #expect(STOMPConnectionChecker.heartBeatLimit(intervalMilliseconds: 1000) == 2000)
        #expect(STOMPConnectionChecker.heartBeatLimit(intervalMilliseconds: 10000) == 15000)
        #expect(STOMPConnectionChecker.heartBeatLimit(intervalMilliseconds: .max) == .max)
    }

    @Test func idSetsAreBounded() {
        var steps: [STOMPStep] = [.c("CONNECT\naccept-version:1.2\nhost:h\n\n"), .s("CONNECTED\nversion:1.2\n\n")]
        for i in 0..<(STOMPConnectionChecker.maxRemembered + 10) { steps.append(.c("BEGIN\ntransaction:t\(i)\n\n")) }
        steps.append(.c("COMMIT\ntransaction:t\(STOMPConnectionChecker.maxRemembered + 5)\n\n"))
        let f = STOMPSession.run(STOMPScenario(steps))
        #expect(f.map(\.verdict) == [.unverifiable], "\(describe(f))")
    }

    @Test func versionLimitedRules() {
        let open11: [STOMPStep] = [.c("CONNECT\naccept-version:1.1\nhost:h\n\n"), .s("CONNECTED\nversion:1.1\n\n")]
        // 1.1 has no ERROR-then-close rule (only after SEND/SUBSCRIBE failures, not judged).
        let error11 = STOMPSession.run(STOMPScenario(open11 + [.s("ERROR\nmessage:x\n\n"), .s("RECEIPT\nreceipt-id:q\n\n")]))
        #expect(!error11.contains { $0.checkRule == "stomp-error-close" }, "\(describe(error11))")
        // NACK does not exist in 1.0: the decoder reports it; its headers are not judged again.
        let nack10 = STOMPSession.run(STOMPScenario([.c("CONNECT\n\n"), .s("CONNECTED\n\n"), .c("NACK\n\n")]))
        #expect(nack10.isEmpty, "\(describe(nack10))")
        // 1.1 CONNECTED answering a 1.0-only client needs no version header.
        let v10 = STOMPSession.run(STOMPScenario([.c("CONNECT\naccept-version:1.0\n\n"), .s("CONNECTED\n\n")]))
        #expect(v10.isEmpty, "\(describe(v10))")
    }

    /// A wrong-case client command is checked as the command it spells.
    @Test func wrongCaseClientCommand() {
        let f = STOMPSession.run(STOMPScenario([.c("CONNECT\naccept-version:1.2\nhost:h\n\n"),
                                                .s("CONNECTED\nversion:1.2\n\n"), .c("send\n\nx")]))
        #expect(f.map(\.rule) == ["STOMP-1.2-SEND-DEST"], "\(describe(f))")
        #expect(f.first?.message.contains("sent as `send`") == true)
    }

    /// The checker judges silence by the intervals the connection's one negotiation agreed
    /// (`STOMPSessionNegotiation`, the pipeline's): client 1000,0 and server 0,1000 → the client
    /// sends every second at most.
    @Test func negotiatedIntervalsAreTheSessions() {
        var s = STOMPSession()
        for step: STOMPStep in [.c("CONNECT\naccept-version:1.2\nhost:h\nheart-beat:1000,0\n\n"),
                                .s("CONNECTED\nversion:1.2\nheart-beat:0,1000\n\n"),
                                .wait(3), .c("SEND\ndestination:/q\n\nx")] { s.apply(step) }
        #expect(s.negotiation.heartBeatClientToServer == 1000 && s.negotiation.heartBeatServerToClient == 0)
        s.finish(closed: true)
        #expect(s.findings.map(\.rule) == ["STOMP-1.2-HB-SEND"], "\(describe(s.findings))")
        #expect(s.findings.first?.packetIndex == 1 && s.findings.first?.frames == [3])
    }
}
