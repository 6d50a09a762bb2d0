import Testing
import WireCore
import STOMPCodec
import Conformance

/// A scenario that must trigger a rule at capture frame `frame`, and a clean one that must not.
struct STOMPRuleFixture {
    var trigger: STOMPScenario
    var frame: FrameNumber
    var verdict: Verdict = .violation
    var clean: STOMPScenario
}

private let connect12 = "CONNECT\naccept-version:1.2\nhost:h\n\n"
private let connected12 = "CONNECTED\nversion:1.2\n\n"
private let connect11 = "CONNECT\naccept-version:1.1\nhost:h\n\n"
private let connected11 = "CONNECTED\nversion:1.1\n\n"
private let open12: [STOMPStep] = [.c(connect12), .s(connected12)]
private let open11: [STOMPStep] = [.c(connect11), .s(connected11)]
private let open10: [STOMPStep] = [.c("CONNECT\nlogin:a\n\n"), .s("CONNECTED\nsession:1\n\n")]
private let sub12 = "SUBSCRIBE\nid:s1\ndestination:/q\n\n"
private func message(_ id: String = "m1", sub: String = "s1", ack: String? = nil, body: String = "x") -> String {
    "MESSAGE\ndestination:/q\nmessage-id:\(id)\nsubscription:\(sub)\n" + (ack.map { "ack:\($0)\n" } ?? "") + "\n" + body
}
private func sc(_ steps: [STOMPStep], sawStart: Bool = true) -> STOMPScenario { STOMPScenario(steps, sawStart: sawStart) }

/// Every `STOMPCheckRule` with a triggering and a clean scenario; `stompFixtureTableIsComplete`
/// fails when one is missing.
let stompRuleFixtures: [STOMPCheckRule: STOMPRuleFixture] = [
    .connectFirst: STOMPRuleFixture(
        trigger: sc([.c("SEND\ndestination:/q\n\nx")]), frame: 1,
        clean: sc(open12 + [.c("SEND\ndestination:/q\n\nx")])),
    .connectHeaders: STOMPRuleFixture(
        trigger: sc([.c("STOMP\naccept-version:1.2\n\n"), .s(connected12)]), frame: 1,
        clean: sc([.c("STOMP\naccept-version:1.2\nhost:h\n\n"), .s(connected12)])),
    .connectedVersion: STOMPRuleFixture(
        trigger: sc([.c("CONNECT\naccept-version:1.1,1.2\nhost:h\n\n"), .s("CONNECTED\nsession:x\n\n")]), frame: 2,
        clean: sc([.c("CONNECT\naccept-version:1.1,1.2\nhost:h\n\n"), .s(connected12)])),
    .negotiatedVersion: STOMPRuleFixture(
        trigger: sc([.c(connect11), .s(connected12)]), frame: 2,
        clean: sc([.c(connect11), .s(connected11)])),
    .noCommonVersion: STOMPRuleFixture(
        trigger: sc([.c(connect12), .s("ERROR\nversion:1.0,1.1\n\n"), .s("RECEIPT\nreceipt-id:z\n\n")]), frame: 3,
        clean: sc([.c(connect12), .s("ERROR\nversion:1.0,1.1\n\n")])),
    .serverHeader: STOMPRuleFixture(
        trigger: sc([.c(connect12), .s("CONNECTED\nversion:1.2\nserver:/5.1\n\n")]), frame: 2,
        clean: sc([.c(connect12), .s("CONNECTED\nversion:1.2\nserver:ActiveMQ/5.18 (test)\n\n")])),
    .commandNotInVersion: STOMPRuleFixture(
        trigger: sc([.c("STOMP\naccept-version:1.0\nhost:h\n\n")]), frame: 1,
        clean: sc([.c("STOMP\naccept-version:1.0,1.1\nhost:h\n\n")])),
    .receiptOnConnect: STOMPRuleFixture(
        trigger: sc([.c("CONNECT\naccept-version:1.2\nhost:h\nreceipt:r\n\n"), .s(connected12)]), frame: 1,
        clean: sc(open12)),
    .heartBeatSend: STOMPRuleFixture(
        trigger: sc([.c("CONNECT\naccept-version:1.2\nhost:h\nheart-beat:1000,0\n\n"),
                     .s("CONNECTED\nversion:1.2\nheart-beat:0,1000\n\n"), .wait(2.5), .c("SEND\ndestination:/q\n\nx")]),
        frame: 3,
        clean: sc([.c("CONNECT\naccept-version:1.2\nhost:h\nheart-beat:1000,0\n\n"),
                   .s("CONNECTED\nversion:1.2\nheart-beat:0,1000\n\n"), .wait(0.8), .hb(.clientToServer, "\n"),
                   .wait(0.8), .hb(.clientToServer, "\r\n"), .wait(0.8), .c("SEND\ndestination:/q\n\nx"),
                   .wait(0.5), .c("DISCONNECT\n\n")])),
    .heartBeatEOL: STOMPRuleFixture(
        trigger: sc(open11 + [.hb(.clientToServer, "\r\n")]), frame: 3,
        clean: sc(open11 + [.hb(.clientToServer, "\n")])),
    .sendDestination: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SEND\ncontent-type:text/plain\n\nx")]), frame: 3,
        clean: sc(open12 + [.c("SEND\ndestination:/q\ncontent-type:text/plain\n\nx")])),
    .subscribeDestination: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SUBSCRIBE\nid:s1\n\n")]), frame: 3,
        clean: sc(open12 + [.c(sub12)])),
    .subscribeID: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SUBSCRIBE\ndestination:/q\n\n")]), frame: 3,
        clean: sc(open10 + [.c("SUBSCRIBE\ndestination:/q\n\n")])),
    .subscribeIDUnique: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .c(sub12)]), frame: 4,
        clean: sc(open12 + [.c(sub12), .c("UNSUBSCRIBE\nid:s1\n\n"), .c(sub12)])),
    .subscribeAckMode: STOMPRuleFixture(
        trigger: sc(open10 + [.c("SUBSCRIBE\ndestination:/q\nack:client-individual\n\n")]), frame: 3,
        clean: sc(open12 + [.c("SUBSCRIBE\nid:s1\ndestination:/q\nack:client-individual\n\n")])),
    .unsubscribeID: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .c("UNSUBSCRIBE\nid:s2\n\n")]), frame: 4,
        clean: sc(open12 + [.c(sub12), .c("UNSUBSCRIBE\nid:s1\n\n")])),
    .ackID: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SUBSCRIBE\nid:s1\ndestination:/q\nack:client\n\n"), .s(message(ack: "a1")),
                              .c("ACK\nid:a2\n\n")]), frame: 5,
        clean: sc(open12 + [.c("SUBSCRIBE\nid:s1\ndestination:/q\nack:client\n\n"), .s(message(ack: "a1")),
                            .c("ACK\nid:a1\n\n")])),
    .transactionBegin: STOMPRuleFixture(
        trigger: sc(open12 + [.c("BEGIN\ntransaction:t1\n\n"), .c("BEGIN\ntransaction:t1\n\n")]), frame: 4,
        clean: sc(open12 + [.c("BEGIN\ntransaction:t1\n\n"), .c("ABORT\ntransaction:t1\n\n"),
                            .c("BEGIN\ntransaction:t1\n\n")])),
    .transactionEnd: STOMPRuleFixture(
        trigger: sc(open12 + [.c("BEGIN\ntransaction:t1\n\n"), .c("COMMIT\n\n")]), frame: 4,
        clean: sc(open12 + [.c("BEGIN\ntransaction:t1\n\n"), .c("COMMIT\ntransaction:t1\n\n")])),
    .disconnectLast: STOMPRuleFixture(
        trigger: sc(open12 + [.c("DISCONNECT\n\n"), .c("SEND\ndestination:/q\n\nx")]), frame: 4,
        clean: sc(open12 + [.c("SEND\ndestination:/q\n\nx"), .c("DISCONNECT\n\n"), .hb(.clientToServer, "\n")])),
    .contentType: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SEND\ndestination:/q\ncontent-type:text\n\nx")]), frame: 3,
        clean: sc(open12 + [.c("SEND\ndestination:/q\ncontent-type:text/plain;charset=utf-8\n\nx")])),
    .messageHeaders: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .s(message(sub: "s9"))]), frame: 4,
        clean: sc(open12 + [.c(sub12), .s(message())])),
    .messageAck: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SUBSCRIBE\nid:s1\ndestination:/q\nack:client-individual\n\n"), .s(message())]), frame: 4,
        clean: sc(open12 + [.c("SUBSCRIBE\nid:s1\ndestination:/q\nack:client-individual\n\n"), .s(message(ack: "a"))])),
    .messageIDUnique: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .s(message(body: "one")), .s(message(body: "two"))]), frame: 5,
        clean: sc(open12 + [.c(sub12), .s(message(body: "one")), .s(message(body: "one"))])),
    .receiptID: STOMPRuleFixture(
        trigger: sc(open12 + [.c("SEND\ndestination:/q\nreceipt:r1\n\nx"), .s("RECEIPT\nreceipt-id:r2\n\n")]), frame: 4,
        clean: sc(open12 + [.c("SEND\ndestination:/q\nreceipt:r1\n\nx"), .s("RECEIPT\nreceipt-id:r1\n\n")])),
    .receiptUnanswered: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .c("SEND\ndestination:/q\nreceipt:r1\n\nx"), .s(message())]), frame: 4,
        clean: sc(open12 + [.c(sub12), .c("SEND\ndestination:/q\nreceipt:r1\n\nx"), .s(message()),
                            .s("RECEIPT\nreceipt-id:r1\n\n")])),
    .errorClose: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .s("ERROR\nmessage:no\n\n"), .s(message())]), frame: 5,
        clean: sc(open12 + [.c(sub12), .s(message()), .s("ERROR\nmessage:no\n\n")])),
    .afterDisconnectReceipt: STOMPRuleFixture(
        trigger: sc(open12 + [.c(sub12), .c("DISCONNECT\nreceipt:bye\n\n"), .s("RECEIPT\nreceipt-id:bye\n\n"),
                              .s(message())]), frame: 6,
        clean: sc(open12 + [.c(sub12), .s(message()), .c("DISCONNECT\nreceipt:bye\n\n"),
                            .s("RECEIPT\nreceipt-id:bye\n\n")])),
    .midStream: STOMPRuleFixture(
        trigger: sc([.c("SEND\ndestination:/q\n\nx")], sawStart: false), frame: 1, verdict: .note,
        clean: sc(open12 + [.c("SEND\ndestination:/q\n\nx")])),
]

@Suite struct STOMPRuleFixtureTests {
    @Test func stompFixtureTableIsComplete() {
        let missing = STOMPCheckRule.allCases.filter { stompRuleFixtures[$0] == nil }
        #expect(missing.isEmpty, "STOMP rules without a trigger/clean scenario pair: \(missing.map(\.rawValue))")
    }

    @Test(arguments: STOMPCheckRule.allCases)
    func triggerReportsTheRule(_ rule: STOMPCheckRule) throws {
        let fx = try #require(stompRuleFixtures[rule])
        let found = STOMPSession.run(fx.trigger).filter { $0.checkRule == rule.rawValue }
        let hit = found.first { $0.frames.contains(fx.frame) && $0.verdict == fx.verdict }
        #expect(hit != nil, "\(rule.rawValue): expected at frame \(fx.frame), got \(found.map { "\($0.rule)@\($0.frames) \($0.message)" })")
        if let hit {
            #expect(rule.descriptor.ids.contains(hit.rule), "\(hit.rule) is not an id of \(rule.rawValue)")
            #expect(hit.section == rule.descriptor.section)
            #expect(!hit.message.isEmpty)
        }
    }

    @Test(arguments: STOMPCheckRule.allCases)
    func cleanScenarioDoesNot(_ rule: STOMPCheckRule) throws {
        let fx = try #require(stompRuleFixtures[rule])
        let found = STOMPSession.run(fx.clean)
        let own = found.filter { $0.checkRule == rule.rawValue }
        #expect(own.isEmpty, "\(rule.rawValue) in its clean scenario: \(own.map { "\($0.rule)@\($0.frames) \($0.message)" })")
        let bad = found.filter { $0.severity != .info }
        #expect(bad.isEmpty, "clean scenario of \(rule.rawValue) has findings: \(bad.map { "\($0.rule) \($0.message)" })")
    }
}
