import Foundation
import WireCore
@testable import MQTTCodec
import TestSupport

/// One annotated hex fixture from Fixtures/codec (format: see Fixtures/codec/make_fixtures.py).
struct Fixture: CustomStringConvertible {
    struct Expectation {
        var abbrev: String
        var range: ByteRange
        var value: String
        var line: Int
    }

    struct ExpectedDiagnostic: Hashable {
        var rule: String
        var range: ByteRange
    }

    var name: String
    var version: MQTTVersion
    var direction: Direction
    var bytes: [UInt8]
    var expectations: [Expectation]
    var diagnostics: Set<ExpectedDiagnostic>

    var description: String { name }

    static var directory: URL {
        Paths.fixtures.appendingPathComponent("codec")
    }

    static func all() -> [Fixture] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".hex") }.sorted().compactMap { load($0) }
    }

    static func load(_ file: String) -> Fixture? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else {
            return nil
        }
        var f = Fixture(name: String(file.dropLast(4)), version: .v5, direction: .clientToServer, bytes: [],
                        expectations: [], diagnostics: [])
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("# version:") {
                let v = UInt8(line.dropFirst(10).trimmingCharacters(in: .whitespaces)) ?? 5
                f.version = MQTTVersion(rawValue: v) ?? .v5
            } else if line.hasPrefix("# direction:") {
                f.direction = line.hasSuffix("s2c") ? .serverToClient : .clientToServer
            } else if line.hasPrefix("#=") {
                let parts = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
                    .split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard parts.count == 3, let r = parseRange(String(parts[1])) else { continue }
                f.expectations.append(Expectation(abbrev: String(parts[0]), range: r, value: String(parts[2]),
                                                  line: n + 1))
            } else if line.hasPrefix("#!") {
                let parts = line.dropFirst(2).split(separator: " ")
                guard parts.count == 2, let r = parseRange(String(parts[1])) else { continue }
                f.diagnostics.insert(ExpectedDiagnostic(rule: String(parts[0]), range: r))
            } else if line.hasPrefix("#") || line.isEmpty {
                continue
            } else {
                let hex = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                f.bytes += Hex.parse(String(hex)) ?? []
            }
        }
        return f
    }

    static func parseRange(_ s: String) -> ByteRange? {
        let p = s.components(separatedBy: "..<")
        guard p.count == 2, let lo = Int(p[0]), let hi = Int(p[1]) else { return nil }
        return ByteRange(lo, hi)
    }

    /// Decodes the fixture's bytes.
    func decode() -> (MQTTMessage, FieldTree, [Diagnostic]) {
        var tree = FieldTree()
        var diags = [Diagnostic]()
        let m = bytes.withUnsafeBufferPointer { buf in
            MQTTDecoder.decode(buf.span, version: version, into: &tree, diagnostics: &diags)
        }
        return (m, tree, diags)
    }

    /// Whether a node's value matches an expectation's value text.
    func matches(_ value: FieldValue, _ expected: String) -> Bool {
        if expected == "_" { return true }
        switch value {
        case .uint(let v): return expected == String(v)
        case .bool(let b): return expected == (b ? "true" : "false")
        case .text(let r, let valid):
            if expected == "invalid-text" { return !valid }
            guard valid, expected.hasPrefix("\""), expected.hasSuffix("\""), expected.count >= 2 else { return false }
            let want = Array(expected.dropFirst().dropLast().utf8)
            return Array(bytes[r.range]) == want
        case .bytes(let r):
            guard expected.hasPrefix("hex:") else { return false }
            return Hex.parse(String(expected.dropFirst(4))) == Array(bytes[r.range])
        case .redacted:
            return expected == "redacted"
        case .none, .note:
            return false
        }
    }
}
