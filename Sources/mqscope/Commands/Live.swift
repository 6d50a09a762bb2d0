import ArgumentParser
import Analysis
import Conformance
import Foundation
import MQTTCodec
import PacketCapture
import LiveMetrics
import Rendering
import Synchronization
import TCPReassembly
import WireCore

/// Set by SIGINT/SIGTERM; the capture loop checks it between reads.
let stopRequested = Atomic<Bool>(false)
/// The open capture, for the signal handler to break a read that waits for packets.
let captureToken = Atomic<UInt>(0)

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture from a network interface and decode MQTT as it flows.",
        discussion: """
            Opens IFACE through libpcap in immediate mode (each packet is shown as soon as it is seen), \
            with a capture filter for the MQTT/STOMP ports (tcp port 1883 or tcp port 61613, plus every \
            --port) unless -f gives your own. Output is the same as `read`: summary lines, -V field \
            trees, or NDJSON flushed line by line. Connections already open when the capture starts are \
            picked up mid-stream. Stop with Ctrl-C (SIGINT) or SIGTERM, -c or --duration: buffers are \
            flushed, the -w file is closed and valid, and a summary (connections, packets by type, \
            findings, kernel received/dropped counts) goes to standard error.

            Capturing needs root or CAP_NET_RAW; started as root, `--user NAME` drops to that account \
            once the interface is open. Exit status: 0, 1 when a finding reaches --fail-on, 2 for \
            errors (no such interface, no permission, a filter that does not compile).
            """)

    @Option(name: .customLong("tls-keylog"),
            help: ArgumentHelp("TLS key log to decrypt TLS connections (repeatable; SSLKEYLOGFILE is read too); re-read as it grows.", valueName: "file"))
    var tlsKeyLogs: [String] = []

    @Option(name: [.customShort("i"), .long], help: ArgumentHelp("The interface to capture on ('any' for all).", valueName: "iface"))
    var interface: String?

    @Flag(help: "List the interfaces that can be opened, and exit.")
    var listInterfaces = false

    @Option(name: [.customShort("f"), .customLong("filter")], help: ArgumentHelp("A BPF capture filter (tcpdump syntax) instead of the default port filter.", valueName: "expr"))
    var filter: String?

    @Option(name: .customLong("port"), help: ArgumentHelp("Also capture and decode this TCP port as MQTT (repeatable).", valueName: "n"))
    var ports: [UInt16] = []

    @Option(help: ArgumentHelp("The kernel's capture buffer (packets are dropped when it fills; the summary counts them).", valueName: "bytes"))
    var bufferSize: Int32 = 32 << 20

    @Flag(help: "Put the interface in promiscuous mode (off by default).")
    var promiscuous = false

    @Option(name: [.customShort("w"), .customLong("write")], help: ArgumentHelp("Also write the raw capture to this pcap file.", valueName: "file"))
    var writeFile: String?

    @Option(name: [.customShort("c"), .customLong("count")], help: ArgumentHelp("Stop after this many captured packets.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("After opening the interface as root, switch to this user (as tcpdump -Z does).", valueName: "name"))
    var user: String?

    @Option(help: "Exit 1 when a finding of at least this severity was seen: error (default), warning, info or never.")
    var failOn: FailLevel = .error

    @Flag(help: "Run the conformance checker (as `mqscope check` does) and show its findings as they occur.")
    var check = false

    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://ADDR:PORT/metrics while capturing (IPv4 address).", valueName: "addr:port"))
    var metrics: String?

    @OptionGroup var decoding: DecodeOptions
    @OptionGroup var filters: FilterOptions

    @Flag(name: [.customShort("V"), .long], help: "Show every field of every packet.")
    var verbose = false

    @Option(name: [.customShort("T"), .long], help: "Output format: text, ndjson (one object per line, flushed per packet) or fields (columns: -e, -E).")
    var format: ReadReport.Format = .text

    @OptionGroup var columnOptions: ColumnOptions
    @OptionGroup var lines: LineOptions
    @OptionGroup var colour: ColourOptions

    func validate() throws {
        if !listInterfaces && interface == nil { throw ValidationError("Give an interface with -i (or --list-interfaces).") }
        if let c = count, c <= 0 { throw ValidationError("-c needs a positive number of packets.") }
        if let d = duration, d <= 0 { throw ValidationError("--duration needs a positive number of seconds.") }
        if bufferSize <= 0 { throw ValidationError("--buffer-size needs a positive number of bytes.") }
        if format == .json { throw ValidationError("Live output is text or ndjson (a JSON document has no end while capturing).") }
    }

    /// The capture filter: the user's, or the MQTT/STOMP ports.
    var captureFilter: String {
        if let f = filter { return f }
        let all = [UInt16(1883), 61613] + ports.filter { $0 != 1883 && $0 != 61613 }
        return all.map { "tcp port \($0)" }.joined(separator: " or ")
    }

    func run() throws {
        if listInterfaces {
            do {
                for i in try CaptureSource.interfaces() {
                    var flags: [String] = []
                    if i.isUp { flags.append("up") }
                    if i.isLoopback { flags.append("loopback") }
                    print("\(i.name)\(flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]")\(i.description.map { "  \($0)" } ?? "")")
                }
            } catch {
                Diagnostics.error(error.message)
                throw ExitCode(ExitStatus.unusableInput)
            }
            return
        }
        guard let iface = interface else { return }
        var settings = LiveSettings(interface: iface, filter: captureFilter)
        settings.promiscuous = promiscuous
        settings.bufferBytes = bufferSize
        var source: CaptureSource
        do { source = try CaptureSource(live: settings) } catch {
            Diagnostics.error(error.message)
            throw ExitCode(ExitStatus.unusableInput)
        }
        var writer: CaptureWriter?
        if let path = writeFile {
            do { writer = try CaptureWriter(path: path, for: source) } catch {
                Diagnostics.error(error.message)
                throw ExitCode(ExitStatus.unusableInput)
            }
        }
        var liveMetrics: LiveMetrics? = nil
        if let m = metrics {
            let parts = m.split(separator: ":")
            guard parts.count == 2, let port = UInt16(parts[1]) else {
                Diagnostics.error("--metrics wants ADDR:PORT, e.g. 127.0.0.1:9464; got '\(m)'")
                throw ExitCode(ExitStatus.unusableInput)
            }
            let server = LiveMetrics()
            do { try server.serve(host: String(parts[0]), port: port) } catch {
                Diagnostics.error("--metrics \(m): \(error)")
                throw ExitCode(ExitStatus.unusableInput)
            }
            liveMetrics = server
        }
        if let name = user { try dropPrivileges(to: name) }

        captureToken.store(source.interruptToken, ordering: .sequentiallyConsistent)
        let onSignal: @convention(c) (Int32) -> Void = { _ in
            stopRequested.store(true, ordering: .sequentiallyConsistent)
            CaptureSource.interrupt(token: captureToken.load(ordering: .sequentiallyConsistent))
        }
        signal(SIGINT, onSignal)
        signal(SIGTERM, onSignal)
        // A parent may have started us with these signals blocked (the mask is inherited).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        if let seconds = duration {
            // A read may be waiting for packets that never come: break it when the time is up.
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                stopRequested.store(true, ordering: .sequentiallyConsistent)
                CaptureSource.interrupt(token: captureToken.load(ordering: .sequentiallyConsistent))
            }
        }
        Diagnostics.write("mqscope live: capturing on \(iface) (filter: \(captureFilter)); Ctrl-C stops\n")
        let started = Date()
        let limit = count
        let seconds = duration
        let w = writer
        let token = source.interruptToken
        var lastStats = Date.distantPast
        let control = RunControl(
            shouldStop: { frames in
                // libpcap's counters, read on the capture thread about once a second.
                if let m = liveMetrics, Date().timeIntervalSince(lastStats) >= 1, let s = CaptureSource.statistics(token: token) {
                    m.capture(received: s.received, dropped: s.droppedByKernel, interfaceDropped: s.droppedByInterface)
                    lastStats = Date()
                }
                if let limit, Int(frames) >= limit { return .now }
                if stopRequested.load(ordering: .relaxed) { return .afterDraining }
                if let seconds, Date().timeIntervalSince(started) >= seconds { return .afterDraining }
                return nil
            },
            frameRead: { frame, header in
                w?.write(frame, header: header)
            })

        var options = AnalysisOptions()
        options.ports.mqtt.formUnion(ports)
        options.mqttVersion = decoding.mqttVersion
        var keyLogPaths = tlsKeyLogs
        if let env = ProcessInfo.processInfo.environment["SSLKEYLOGFILE"], !env.isEmpty { keyLogPaths.append(env) }
        options.tlsKeyLog = InputOptions.loadKeyLog(keyLogPaths)
        var report = ReadReport(format: format, verbose: verbose, countOnly: false, context: decoding.renderContext(),
                                filter: try filters.packetFilter(showSecrets: decoding.showSecrets), flushEachPacket: true,
                                columns: try columnOptions.columns(format: format, showSecrets: decoding.showSecrets))
        report.colour = format == .text && colour.enabled
        lines.apply(to: &report)
        var tally = LiveTally()
        let checker: CheckReport? = check ? CheckReport(config: CheckConfig()) : nil
        report.beginRun()
        report.beginFile(iface)
        let summary: FileSummary
        do {
            var sink = TallyingSink(report: report, tally: tally, check: checker, ndjson: format == .ndjson,
                                    metrics: liveMetrics.map { MetricsSink(metrics: $0) })
            sink.check?.beginFile(iface)
            summary = try CaptureAnalysis.run(source: &source, options: options, sink: &sink, control: control)
            sink.check?.endFile(summary)
            sink.showNewFindings()
            report = sink.report
            tally = sink.tally
            tally.checkFindings = sink.check?.findings.map { $0.finding.severity } ?? []
        } catch {
            Diagnostics.error("\(iface): \(error.message)")
            throw ExitCode(ExitStatus.unusableInput)
        }
        let stats = source.statistics()
        if let s = stats { liveMetrics?.capture(received: s.received, dropped: s.droppedByKernel, interfaceDropped: s.droppedByInterface) }
        writer?.close()
        report.endFile(summary)
        report.endRun()

        // The summary goes to standard error so standard output stays a clean stream of packets.
        var lines: [String] = []
        lines.append("mqscope live: \(iface): \(summary.frames) packets captured, \(tally.connections) connection\(tally.connections == 1 ? "" : "s") (\(tally.openAtStop) still open at the stop)")
        var types: [String] = []
        for t in MQTTPacketType.allCases where report.totalCounts[Int(t.rawValue)] > 0 {
            types.append("\(t.name) \(report.totalCounts[Int(t.rawValue)])")
        }
        lines.append("MQTT packets: \(report.totalCounts.reduce(0, +))" + (types.isEmpty ? "" : " (\(types.joined(separator: ", ")))"))
        var f = report.findingsBySeverity
        if check {
            // The checker's report already holds the decode-time findings and stream events.
            f = [0, 0, 0]
            for sev in tally.checkFindings { f[sev.rawValue] += 1 }
        }
        lines.append("findings\(check ? " (conformance check)" : ""): \(f[2]) error, \(f[1]) warning, \(f[0]) info")
        if let s = stats {
            lines.append("kernel: \(s.received) received, \(s.droppedByKernel) dropped, \(s.droppedByInterface) dropped by the interface")
        }
        if let path = writeFile { lines.append("capture written to \(path)") }
        Diagnostics.write(lines.joined(separator: "\n") + "\n")
        if failOn.reached(by: f) { throw ExitCode(ExitStatus.findings) }
    }

    func dropPrivileges(to name: String) throws {
        guard getuid() == 0 else {
            Diagnostics.warn("--user \(name) ignored: not running as root")
            return
        }
        guard let pw = getpwnam(name) else {
            Diagnostics.error("--user: no such account '\(name)'")
            throw ExitCode(ExitStatus.unusableInput)
        }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0, getuid() == uid else {
            Diagnostics.error("--user: cannot switch to '\(name)': \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.unusableInput)
        }
        Diagnostics.write("mqscope live: interface open; now running as \(name) (uid \(uid))\n")
    }
}

/// Counts connections for the live summary and passes everything on to the report.
struct LiveTally {
    var connections = 0
    var openAtStop = 0
    var checkFindings: [Severity] = []
}

/// Shows packets through the read report and, with --check, feeds the checker and shows each
/// new finding as soon as it is made.
struct TallyingSink: AnalysisSink {
    var report: ReadReport
    var tally: LiveTally
    var check: CheckReport?
    let ndjson: Bool
    var metrics: MetricsSink? = nil
    var shown = 0

    mutating func connectionFinished(_ c: ConnectionSummary) {
        tally.connections += 1
        if c.end == .endOfCapture { tally.openAtStop += 1 }
        report.connectionFinished(c)
        check?.connectionFinished(c)
        metrics?.connectionFinished(c)
        showNewFindings()
    }
    mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        report.unit(unit, bytes: bytes, fields: fields)
        check?.unit(unit, bytes: bytes, fields: fields)
        metrics?.unit(unit, bytes: bytes, fields: fields)
        // Without the checker, the decoders' findings are the findings (with it, its report has them).
        if check == nil, let m = metrics { for d in unit.diagnostics { m.finding(rule: d.rule.description, severity: d.severity) } }
        showNewFindings()
    }
    mutating func streamEvent(_ event: StreamEventReport) {
        report.streamEvent(event)
        check?.streamEvent(event)
        showNewFindings()
    }

    /// Writes the checker's findings made since the last call (state rules only: decode-time
    /// findings are already shown with their packets).
    mutating func showNewFindings() {
        guard let check, check.findings.count > shown else { return }
        if let m = metrics { for f in check.findings[shown...] { m.finding(rule: f.finding.rule.description, severity: f.finding.severity) } }
        for f in check.findings[shown...] where f.finding.checkRule != nil {
            let c = f.finding
            if ndjson {
                var line = "{\"kind\":\"finding\",\"connection\":\(f.connection),\"rule\":\"\(c.rule)\","
                line += "\"severity\":\"\(c.severity)\",\"verdict\":\"\(c.verdict.rawValue)\","
                line += "\"frames\":[\(c.frames.map(String.init).joined(separator: ","))],\"message\":"
                report.w.out.write(line)
                report.w.string(c.message)
                report.w.out.write("}\n")
            } else {
                let frames = c.frames.map(String.init).joined(separator: ",")
                report.w.out.write("         ! \(c.severity) \(c.rule) #\(f.connection) frame \(frames): \(c.message)\n")
            }
        }
        shown = check.findings.count
        report.w.out.flush()
    }
    var wantsFields: Bool { report.wantsFields }
    mutating func mqttPacketCounted(_ type: MQTTPacketType) { report.mqttPacketCounted(type) }
    mutating func fileNote(_ note: FileNote) { report.fileNote(note) }
}

/// The severity at which findings make the exit status 1.
enum FailLevel: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info, never

    /// `counts` by severity raw value (info 0, warning 1, error 2).
    func reached(by counts: [Int]) -> Bool {
        switch self {
        case .never: false
        case .error: counts[2] > 0
        case .warning: counts[2] + counts[1] > 0
        case .info: counts.reduce(0, +) > 0
        }
    }
}
