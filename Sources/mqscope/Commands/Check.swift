import ArgumentParser
import Foundation
import Analysis
import Conformance
import MQTTCodec
import WireCore
import Rendering
import PacketCapture
import DisplayFilters
import Statistics

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the MQTT and STOMP traffic in captures (also inside WebSocket) against the specifications' rules; for people and for CI.",
        discussion: """
            Every MQTT connection is decoded and fed to a per-connection checker: packet order \
            (CONNECT first, nothing after DISCONNECT), packet identifiers and QoS flows, SUBACK counts, \
            topic filters, keep-alive, and the MQTT 5 limits both sides negotiated. Every STOMP \
            connection likewise: CONNECT first, required headers per frame and version, subscription, \
            message, receipt, transaction and ack ids, heart-beats against the negotiated intervals, \
            nothing after ERROR or DISCONNECT. WebSocket connections are checked against RFC 6455 \
            (masking, control frames, close codes, the opening handshake) and MQTT's WebSocket chapter \
            (binary frames, subprotocol 'mqtt'), and what they carry as above. Decode-time findings and \
            capture gaps are part of the same report. Rules are named by the spec's statement ids \
            where there is one (MQTT311-3.1.0-1, MQTT5-3.3.2-8, MQTT-6.0.0-1, STOMP-1.2-SEND-DEST); \
            `mqscope rules` lists them all. TLS and unrecognised connections are counted, not checked. \
            A broker-level checker sees all the MQTT connections of a file at once (routing, QoS \
            downgrade, RETAIN, No Local, Wills, ordering, Subscription Identifiers); --explain prints \
            the chain of evidence of its findings, and --grace sets how long after a Will is due \
            its absence counts.

            Incomplete captures are reported honestly: when a connection was captured mid-stream, or \
            bytes were lost in a gap, a rule that needs the missing state is reported as \
            'unverifiable' (info), never as a violation. Timing rules use capture timestamps only.

            Output: text, or one JSON document (--format json, schema docs/schema/check-v2.json), \
            and optionally JUnit XML (--junit FILE). Exit status: 0 when no finding reaches --fail-on \
            (default error) and at least --require-connections connections were checked in all the \
            files (default 1), 1 when a finding reaches it or fewer were checked (the reason is \
            printed per file: encrypted, not recognised, empty), 2 for unusable input or arguments. With --baseline, \
            findings whose fingerprint is in the file are reported but never fail; --write-baseline \
            writes the fingerprints of this run's findings, and findings then do not fail the run. \
            A fingerprint is rule|client id|packet type|message (the offending values): no address, \
            port, frame number or packet index, so it survives another host, port or capture order.
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var colour: ColourOptions

    @Option(help: ArgumentHelp("Check every connection as this MQTT version (3.1, 3.1.1 or 5).", valueName: "version"))
    var mqttVersion: MQTTVersion?

    @Option(help: "Output format: text or json (schema mqscope.check/2).")
    var format: OutputFormat = .text

    @Option(help: ArgumentHelp("Also write a JUnit XML report to this file.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Exit 1 when a finding reaches this severity: error, warning, info or never.", valueName: "level"))
    var failOn: String = "error"

    @Option(help: ArgumentHelp("Do not report this rule (id or name; 'all' for every rule; repeatable).", valueName: "rule"))
    var disable: [String] = []

    @Option(help: ArgumentHelp("Report this rule even if --disable covers it (repeatable).", valueName: "rule"))
    var enable: [String] = []

    @Option(help: ArgumentHelp("Report a rule at another severity, e.g. MQTT5-3.3.2-8=warning (repeatable).", valueName: "rule=level"))
    var severity: [String] = []

    @Option(help: ArgumentHelp("Findings whose fingerprints are in this file are reported but do not fail.", valueName: "file"))
    var baseline: String?

    @Option(help: ArgumentHelp("Write the fingerprints of this run's findings to this file.", valueName: "file"))
    var writeBaseline: String?

    @Option(help: ArgumentHelp("Fail (exit 1) when fewer connections than this were checked in all the files (0: never); says why (encrypted, not recognised, empty).", valueName: "n"))
    var requireConnections: Int = 1

    @Option(name: [.customShort("Y"), .customLong("display-filter")],
            help: ArgumentHelp("Report only the findings this display filter selects: by rule, severity, frame, connection, direction, client_id, version and protocol (mqtt, stomp, websocket, tcp), e.g. 'severity >= warning && rule contains \"3.3.2\"'.", valueName: "expr"))
    var displayFilter: String?
    @Option(help: ArgumentHelp("Also write the HTML report of these captures (as `mqscope report`) to this file.", valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("MQTT packets larger than this are not buffered; their header is checked and their body skipped.", valueName: "bytes"))
    var maxPacketSize: Int = 16 << 20

    @Option(help: ArgumentHelp("Seconds a broker may take past a Will's due time before 'not published' (default: 1.5 × the Will connection's keep-alive, 5 s without one).", valueName: "seconds"))
    var grace: Double?

    @Flag(help: "Under each cross-connection finding, list its chain of evidence: the publish or Will, the subscription that matched or should have, the delivery or its absence (connection, frame).")
    var explain = false

    @Option(help: ArgumentHelp("Findings kept in memory at most (beyond it, findings are only counted per rule, reported as dropped, and still fail the run).", valueName: "n"))
    var maxFindings: Int = CheckConfig.defaultMaxFindings

    func validate() throws {
        if maxPacketSize < 0 { throw ValidationError("--max-packet-size cannot be negative.") }
        if maxFindings < 1 { throw ValidationError("--max-findings must be at least 1.") }
        if let g = grace, !(g >= 0 && g <= 86_400) { throw ValidationError("--grace takes seconds from 0 to 86400.") }
    }

    func run() throws {
        let level: Severity?
        do {
            level = try Self.failLevel(failOn)
        } catch { return usage("\(error)") }
        var config = CheckConfig()
        let known = CheckConfig.knownNames
        for r in disable + enable where !known.contains(r) {
            return usage("unknown rule '\(r)' (see `mqscope rules`)")
        }
        config.maxFindings = maxFindings
        config.disabled = Set(disable)
        config.willGrace = grace
        config.enabled = Set(enable)
        for s in severity {
            let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, known.contains(parts[0]), let sev = Severity(name: parts[1]) else {
                return usage("--severity wants RULE=LEVEL with a known rule and error, warning or info; got '\(s)'")
            }
            config.severities[parts[0]] = sev
        }
        if let b = baseline {
            guard let text = try? String(contentsOfFile: b, encoding: .utf8) else {
                return usage("cannot read baseline \(b)")
            }
            config.baseline = CheckReport.parseBaseline(text)
        }

        var filter = DisplayFilter()
        if let y = displayFilter {
            do {
                filter = try DisplayFilter.compile(y, resolver: FieldResolver(registry: Catalogs.registry))
            } catch { return usage("\(error)") }
            if filter.needsFields {
                return usage("check -Y selects findings by rule, severity, frame, connection, direction, client_id, version and protocol; packet fields are for read -Y")
            }
        }
        var options = input.analysisOptions
        options.mqttVersion = mqttVersion
        options.maxPDUSize = max(16, maxPacketSize)
        var report = CheckReport(config: config)
        var failed = !analyzeFiles(input.files, options: options, into: &report)
        if !filter.acceptsAll {
            let none = FieldTree()
            let noBytes: [UInt8] = []
            report.keepFindings { filter.matches($0.filterSubject, pdu: noBytes.span, tree: none) }
        }
        var out = Output()
        out.write(format == .json ? report.json(failOn: level) : report.text(failOn: level, explain: explain, colour: colour.enabled))
        out.flush()
        if let j = junit {
            do { try report.junit(failOn: level, requiredConnections: requireConnections).write(toFile: j, atomically: true, encoding: .utf8) } catch {
                Diagnostics.error("cannot write \(j): \(error.localizedDescription)")
                failed = true
            }
        }
        if let h = html, !writeHTMLReport(files: input.files, options: options, check: config, stats: StatsOptions(),
                                           context: FieldRenderContext(registry: Catalogs.registry), to: h) {
            failed = true
        }
        if let b = writeBaseline {
            do { try report.baselineText().write(toFile: b, atomically: true, encoding: .utf8) } catch {
                Diagnostics.error("cannot write \(b): \(error.localizedDescription)")
                failed = true
            }
        }
        if failed { throw ExitCode(ExitStatus.unusableInput) }
        // A gate must not pass on what it could not check: a damaged capture (frames after the damage
        // were never seen) fails at --fail-on (not with never) ...
        if level != nil {
            let damaged = report.files.filter { $0.summary?.damaged != nil }.map(\.name)
            if !damaged.isEmpty {
                Diagnostics.error("failing: \(damaged.joined(separator: ", ")) is damaged; the frames after the damage were not checked (--fail-on never to pass anyway)")
                throw ExitCode(ExitStatus.findings)
            }
        }
        // ... and so does a run with too few checked connections to say anything (TLS only, not
        // MQTT/STOMP, empty): a CI run that checked nothing must not pass (--require-connections 0
        // turns this off).
        if let short = report.connectionShortfall(required: requireConnections) {
            Diagnostics.error(short)
            throw ExitCode(ExitStatus.findings)
        }
        // Writing a baseline accepts this run's findings: the run succeeded when the file was written.
        if writeBaseline != nil { return }
        if report.failing(atOrAbove: level) > 0 { throw ExitCode(ExitStatus.findings) }
    }

    static func failLevel(_ s: String) throws -> Severity? {
        if s.lowercased() == "never" { return nil }
        guard let l = Severity(name: s) else { throw ValidationError("--fail-on takes error, warning, info or never; got '\(s)'") }
        return l
    }

    private func usage(_ message: String) {
        Diagnostics.error(message)
        Foundation.exit(ExitStatus.unusableInput)
    }
}
