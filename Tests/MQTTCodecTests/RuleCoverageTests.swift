import Testing
import WireCore
@testable import MQTTCodec

/// Every decode-time MQTT rule is proven by a fixture that triggers it and has a clean fixture
/// of the same packet type and version beside it; the framer's stream rules are proven by the
/// named framer tests instead (they need a stream, not one packet).
@Suite struct RuleCoverageTests {
    /// Framer rules and the FramerTests test that triggers each.
    static let framerTests: [MQTTRule: String] = [
        .remainingLengthTooLong: "remainingLengthTooLongResynchronises",
        .pduOversize: "oversizeIsSkippedWithoutBuffering",
        .pduLostInGap: "gapDropsPartialPDUAndResynchronises",
        .resyncSkipped: "remainingLengthTooLongResynchronises",
        .incompleteAtEnd: "incompleteAtEnd",
    ]

    @Test func everyDecodeRuleHasATriggeringFixture() {
        let fixtures = Fixture.all()
        for rule in MQTTRule.allCases where Self.framerTests[rule] == nil {
            let triggers = fixtures.filter { $0.diagnostics.contains { $0.rule == rule.rawValue } }
            #expect(!triggers.isEmpty, "\(rule.rawValue) has no triggering fixture in Fixtures/codec")
            for f in triggers {
                #expect(rule.info.applies(to: f.version), "\(f.name) triggers \(rule.rawValue) in \(f.version)")
            }
        }
    }

    /// Each triggering fixture has a clean fixture of its packet type and version (a packet type
    /// that is itself the fault, type 0 or 15 before 5.0, has none).
    @Test func everyTriggeringFixtureHasACleanCounterpart() {
        let fixtures = Fixture.all()
        var clean = Set<String>()
        for f in fixtures where f.diagnostics.isEmpty {
            if let t = f.decode().0.packetType { clean.insert("\(f.version) \(t)") }
        }
        for f in fixtures where !f.diagnostics.isEmpty {
            guard let t = f.decode().0.packetType, t.isValid(in: f.version) else { continue }
            #expect(clean.contains("\(f.version) \(t)"), "\(f.name): no clean \(f.version) \(t) fixture")
        }
    }
}
