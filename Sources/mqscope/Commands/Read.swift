import ArgumentParser
import Foundation
import Analysis
import PacketCapture
import Rendering

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode every MQTT packet in captures: one summary line each, or the whole annotated field tree.",
        discussion: """
            TCP streams are reassembled first, so a packet split over segments, or several packets in \
            one segment, decode as the endpoints saw them. Each line shows the frame that completed the \
            packet, the time since the capture's first frame, the endpoints, the connection ID (as in \
            `streams`) and the packet's key fields; decode-time findings follow on lines starting with \
            '!'. With -V every field is listed with its stream offset, raw bytes, value and meaning. \
            Gaps in the capture are reported, and decoding resynchronises after them.

            JSON (`--format json`, one document) and NDJSON (`--format ndjson`, one object per line as \
            packets are decoded) follow the schema in docs/schema/read-v2.json. Passwords are redacted \
            unless --show-secrets is given. Exit status: 0, or 2 when a file cannot be read.
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var decoding: DecodeOptions
    @OptionGroup var filters: FilterOptions

    @Flag(name: [.customShort("V"), .long], help: "Show every field of every packet.")
    var verbose = false

    @Option(name: [.customShort("T"), .long], help: "Output format: text, json (schema mqscope.read/2, or /3 with --schema 3), ndjson, or fields (columns: -e, -E).")
    var format: ReadReport.Format = .text

    @OptionGroup var columnOptions: ColumnOptions
    @OptionGroup var colour: ColourOptions

    @Option(help: ArgumentHelp("JSON schema version: 2 (every field with its name, stream offset and hex) or 3 (lean: each packet's hex once, fields with offset and length within the packet; docs/schema/read-v3.json).", valueName: "version"))
    var schema: Int = 2

    @Flag(help: "With --schema 3: give every field its own hex again.")
    var rawPerField = false

    @Flag(help: "Print only the number of packets of each type.")
    var count = false

    @Option(help: ArgumentHelp("MQTT packets larger than this are not buffered; their header is shown and their body skipped.", valueName: "bytes"))
    var maxPacketSize: Int = 16 << 20

    @Option(name: .customShort("c"), help: ArgumentHelp("Stop after this many units (MQTT packets, STOMP frames, WebSocket frames) are shown, as tshark -c.", valueName: "n"))
    var maxUnits: Int?

    @OptionGroup var lines: LineOptions

    @Option(help: ArgumentHelp("Threads: each reads the whole file and decodes a share of its connections; output is in capture order, as on one thread (not with -c or -t d). Default: the processors available, at most 4, for a capture of 32 MB or more when the machine has a processor free; else 1. Never more than the processors available.", valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if maxPacketSize < 0 { throw ValidationError("--max-packet-size cannot be negative.") }
        if schema != 2 && schema != 3 { throw ValidationError("--schema is 2 or 3.") }
        if rawPerField && schema != 3 { throw ValidationError("--raw-per-field goes with --schema 3 (schema 2 always has it).") }
        if let maxUnits, maxUnits < 1 { throw ValidationError("-c needs a positive number of units.") }
    }

    func run() throws {
        var options = input.analysisOptions
        options.mqttVersion = decoding.mqttVersion
        options.maxPDUSize = max(16, maxPacketSize)
        let filter = try filters.packetFilter(showSecrets: decoding.showSecrets)
        let columns = try columnOptions.columns(format: format, showSecrets: decoding.showSecrets)
        var renderContext = decoding.renderContext()
        renderContext.readSchema = schema
        renderContext.rawPerField = rawPerField
        var report = ReadReport(format: format, verbose: verbose, countOnly: count, context: renderContext,
                                filter: filter, columns: columns)
        lines.apply(to: &report)
        report.colour = format == .text && colour.enabled
        report.limit = maxUnits
        report.fileHeaders = input.files.count > 1
        report.beginRun()
        var sharding: Sharding<ReadReport>?
        if count && filter.isEmpty && maxUnits == nil {
            // Counts add up whatever thread saw a packet, so counting can split connections.
            let context = decoding.renderContext()
            sharding = .merged(
                threads: threads,
                makeSink: { ReadReport(format: .text, verbose: false, countOnly: true, context: context,
                                       filter: PacketFilter(), out: Output(fd: -1, threshold: Int.max)) },
                merge: { $0.addCounts(of: $1) })
        } else if report.shardable {
            sharding = .ordered(threads: threads)
        }
        // -c N: reading stops once N units were shown (the packet that completes the Nth is read).
        let reached = report.limitReached
        let control = RunControl(shouldStop: { _ in reached.isSet ? .now : nil })
        let failed = !analyzeFiles(input.files, options: options, into: &report, sharding: sharding, control: control)
        report.endRun()
        if failed { throw ExitCode(ExitStatus.unusableInput) }
    }
}

extension ReadReport.Format: ExpressibleByArgument {}
