import Foundation
import Testing
import TestSupport

/// `mqscope report` and `check --html`: the page opened in headless Chromium (Debian `chromium`)
/// loads without console errors or any request, has one ladder per connection and a working link
/// for every finding, reads without JavaScript, and a screenshot is written as an artifact
/// (.build/artifacts/report.png).
@Suite struct ReportHTMLTests {
    static let captures = ["mqtt311-mosquitto-clients.pcap", "hostile/stomp-lowercase-command.pcap", "hostile/gap-in-publish.pcap"]
        .map { Paths.captures.appendingPathComponent($0).path }

    static func chromium(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        return try runProcess("/usr/bin/timeout", ["60", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                                   "--user-data-dir=\(profile.path)", "--no-first-run"] + args)
    }

    static func makeReport(_ args: [String]) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).html").path
        let r = try runProcess(Paths.executable.path, args + ["-o", out] + captures)
        #expect(r.status == 0, "\(r.err)")
        return out
    }

    static func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    @Test func reportOpensInChromium() throws {
        guard which("chromium") != nil else { Issue.record("chromium not installed (scripts/setup.sh installs it)"); return }
        let path = try Self.makeReport(["report"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let html = try String(contentsOfFile: path, encoding: .utf8)
        // Self-contained: no src attribute at all, every link inside the page.
        #expect(!html.contains(" src="))
        let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix(1) }
        #expect(!hrefs.isEmpty && hrefs.allSatisfy { $0 == "#" })

        // Loaded with scripts: no console message (errors, CSP refusals), the script ran to its end.
        let url = URL(fileURLWithPath: path).absoluteString
        let dom = try Self.chromium(["--enable-logging=stderr", "--v=0", "--dump-dom", url])
        #expect(dom.status == 0, "\(dom.err)")
        let console = dom.err.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused to") }
        #expect(console.isEmpty, "\(console)")
        #expect(dom.out.contains("data-ready=\"yes\""))

        // One ladder per connection that carried packets, one <details> per connection listed.
        let stats = try runProcess(Paths.executable.path, ["stats", "--format", "json"] + Self.captures)
        let doc = try JSONSerialization.jsonObject(with: Data(stats.out.utf8)) as? [String: Any] ?? [:]
        let conns = (doc["files"] as? [[String: Any]] ?? []).flatMap { $0["connections"] as? [[String: Any]] ?? [] }
        let withPackets = conns.filter { c in
            ((c["packets"] as? [String: Any]) ?? [:]).count > 0 || ((c["stomp_frames"] as? [Int]) ?? [0, 0]).reduce(0, +) > 0
        }
        #expect(Self.count("<details class=\"conn\"", in: dom.out) == conns.count)
        #expect(Self.count("data-part=\"0\"", in: dom.out) == withPackets.count)
        #expect(withPackets.count >= 8)

        // Every finding links to an element of the page: its packet (field tree and hex with marked
        // bytes) or its connection's ladder.
        let rows = Self.count("<tr class=\"sev-", in: dom.out)
        let links = dom.out.components(separatedBy: "class=\"finding-link\" href=\"#").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(rows > 0 && links.count == rows)
        for id in links { #expect(dom.out.contains("id=\"\(id)\""), "finding link #\(id) leads nowhere") }
        #expect(links.contains { $0.hasPrefix("pkt-") })
        #expect(dom.out.contains("<mark>"))

        // Without JavaScript the static parts are all there: the file as written already holds every
        // ladder and finding link the scripted page shows (the script only filters and unfolds).
        // (Headless Chromium dumps no DOM with scripts disabled, so the file itself is compared.)
        #expect(Self.count("data-part=\"0\"", in: html) == withPackets.count)
        #expect(Self.count("class=\"finding-link\"", in: html) == rows)
        #expect(Self.count("<svg", in: html) == Self.count("<svg", in: dom.out))

        // The screenshot artifact (ladders with findings are open).
        let artifacts = Paths.root.appendingPathComponent(".build/artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let png = artifacts.appendingPathComponent("report.png").path
        try? FileManager.default.removeItem(atPath: png)
        let shot = try Self.chromium(["--screenshot=\(png)", "--window-size=1200,4000", url])
        #expect(shot.status == 0, "\(shot.err)")
        let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
        #expect((size ?? 0) > 10_000)
    }

    /// The fan-out view: one publish and where it went — its deliveries to each subscriber with
    /// their latency, and the subscriber the broker skipped (make_many_topics.py --missing).
    @Test func fanOutViewShowsEachDelivery() throws {
        let pcap = FileManager.default.temporaryDirectory.appendingPathComponent("fanout-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        let g = try runProcess("/usr/bin/env", ["python3", Paths.captures.appendingPathComponent("generators/make_many_topics.py").path,
                                                pcap, "--topics", "20", "--missing", "2"])
        #expect(g.status == 0, "\(g.err)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fanout-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runProcess(Paths.executable.path, ["report", "-o", out, pcap])
        #expect(r.status == 0, "\(r.err)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("One publish and where it went"))
        // The first publish (t/0/0): delivered to subscriber 1 after 27 µs, not to subscriber 2.
        let first = try #require(html.components(separatedBy: "id=\"fanout-0\"").dropFirst().first?
            .components(separatedBy: "</details>").first)
        #expect(first.contains("<code>t/0/0</code>") && first.contains("1 of 2 expected deliveries seen"))
        #expect(first.contains("href=\"#conn-0-1\">1</a></td><td>27.0µs"))
        #expect(first.contains("<tr class=\"bad\"><td><a href=\"#conn-0-2\">2</a></td><td>not seen"))
        // A later publish reached both.
        #expect(html.contains("2 of 2 expected deliveries seen"))
        #expect(Self.count("id=\"fanout-", in: html) == 16)
    }

    @Test func checkWritesTheSameReport() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runProcess(Paths.executable.path, ["check", "--html", out] + Self.captures)
        #expect(r.status == 1)   // the hostile captures have errors
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("STOMP-1.2-ERROR-CLOSE"))
        #expect(html.contains("class=\"ladder\""))
    }

    /// The same capture gives the same page on every run: sibling topics with equal counts were
    /// drawn in dictionary order, which Swift seeds per process (seen on the bridge capture, whose
    /// `bridge/…` and `test/…` trees tie).
    @Test func samePageOnEveryRun() throws {
        let pcap = Paths.captures.appendingPathComponent("mqtt-bridge-refused-retry.pcap").path
        var pages: Set<String> = []
        for _ in 0..<8 {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("same-\(UUID().uuidString).html").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let r = try runProcess(Paths.executable.path, ["report", "-o", out, pcap])
            #expect(r.status == 0, "\(r.err)")
            pages.insert(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(pages.count == 1)
    }
}
