import Testing
import WireCore
import MQTTCodec
import Conformance

@Suite struct CatalogTests {
    // The rules of the conformance module cite statements as `SpecStatementID` cases (checked by
    // the compiler); the codec below it names them as text, checked here.
    @Test func everyStatementTheCodecCitesExists() {
        for r in MQTTRule.allCases {
            for part in r.info.seeAlso.split(separator: ",") {
                let id = String(part.filter { $0 != " " })
                #expect(SpecStatementID(rawValue: id) != nil, "\(r.rawValue): see-also \(id) is not a catalog statement")
            }
        }
    }

    @Test func statementCasesFollowTheCatalog() {
        #expect(SpecStatementID.allCases.count == SpecStatement.all.count)
        for (c, s) in zip(SpecStatementID.allCases, SpecStatement.all) { #expect(c == s.id && c.statement.id == c) }
    }

    @Test func statementIDsOfOurRulesExist() {
        // A rule id that looks like a statement id (MQTT311-x, MQTT5-x, U311-, U50-) must be one.
        for r in MQTTCheckRule.allCases {
            for id in r.descriptor.ids where !id.rawValue.hasPrefix("MQTT-") {
                let own = id.rawValue == "MQTT5-SUBACK-GRANT"
                #expect(own || SpecStatementID(rawValue: id.rawValue) != nil, "\(r.rawValue): \(id) is not a catalog statement")
            }
        }
    }

    @Test func catalogListsEveryRuleTheToolReports() {
        let c = RuleCatalog()
        let ids = Set(c.rules.map(\.id))
        for r in MQTTRule.allCases { #expect(ids.contains(r.id), "decoder rule \(r.id) missing from the catalog") }
        for r in MQTTCheckRule.allCases {
            for id in r.descriptor.ids { #expect(ids.contains(id), "check rule \(id) missing from the catalog") }
        }
        #expect(ids.contains("TCP-GAP"))
    }

    @Test func rulesNamesAreUniqueAndSeveritiesSensible() {
        let names = MQTTCheckRule.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for r in MQTTCheckRule.allCases {
            let d = r.descriptor
            #expect(d.id311 != nil || d.id5 != nil)
            #expect(!d.title.isEmpty && !d.section.isEmpty)
            #expect(MQTTCheckRule.named(r.rawValue) == r)
        }
    }

    @Test func implementedCountsReachTheObservableStatements() {
        let counts = RuleCatalog().counts()
        let v311 = counts.first { $0.family == .mqtt311 }
        let v5 = counts.first { $0.family == .mqtt5 }
        #expect((v311?.implementedObservable ?? 0) >= 60)
        #expect((v5?.implementedObservable ?? 0) >= 120)
    }
}
