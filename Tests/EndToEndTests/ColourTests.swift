import Foundation
import Testing
import TestSupport

/// `--color auto|always|never`: severities coloured on a terminal only, never in files or pipes,
/// and not with NO_COLOR (https://no-color.org).
@Suite struct ColourTests {
    static let capture = "captures/hostile/overlap-conflict.pcap"
    static let escape = "\u{1B}["

    @Test func pipesGetNoColourUnlessAsked() throws {
        let plain = try runProcess(Paths.executable.path, ["check", Self.capture], in: Paths.root)
        #expect(!plain.out.contains(Self.escape) && plain.out.contains("  warning TCP-OVERLAP-MISMATCH"))
        let always = try runProcess(Paths.executable.path, ["check", "--color", "always", Self.capture], in: Paths.root)
        #expect(always.out.contains("\u{1B}[33mwarning\u{1B}[0m TCP-OVERLAP-MISMATCH"))
        // Without the escapes the text is the same.
        let stripped = always.out.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == plain.out)
        let read = try runProcess(Paths.executable.path, ["read", "--color", "always", Self.capture], in: Paths.root)
        // After the conflicting retransmission the finding is unverifiable (info), as in check.
        #expect(read.out.contains("! \u{1B}[36minfo\u{1B}[0m MQTT311-2.2.2-1"))
        let json = try runProcess(Paths.executable.path, ["read", "--color", "always", "--format", "json", Self.capture],
                                  in: Paths.root)
        #expect(!json.out.contains(Self.escape))
    }

    /// On a terminal (util-linux `script`): coloured by default, not with NO_COLOR or --color never.
    @Test(.enabled(if: which("script") != nil)) func terminalsGetColourUnlessNoColor() throws {
        func onTerminal(_ args: String, _ env: [String: String]) throws -> String {
            try runProcess(which("script")!, ["-qec", "\(Paths.executable.path) \(args)", "/dev/null"], in: Paths.root,
                           environment: env).out
        }
        #expect(try onTerminal("check \(Self.capture)", ["TERM": "xterm", "NO_COLOR": ""]).contains(Self.escape))
        #expect(!(try onTerminal("check \(Self.capture)", ["TERM": "xterm", "NO_COLOR": "1"]).contains(Self.escape)))
        #expect(!(try onTerminal("check --color never \(Self.capture)", ["TERM": "xterm", "NO_COLOR": ""]).contains(Self.escape)))
        #expect(!(try onTerminal("check \(Self.capture)", ["TERM": "dumb", "NO_COLOR": ""]).contains(Self.escape)))
    }
}
