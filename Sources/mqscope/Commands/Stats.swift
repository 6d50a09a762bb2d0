import ArgumentParser
import Analysis
import Rendering
import Statistics
import PacketCapture

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Whole-capture statistics: topics, clients, latencies, broker fan-out, rates over time.",
        discussion: """
            Per topic (rolled up to --depth levels; $SYS apart): messages and bytes published (client → \
            broker) and delivered (broker → client), QoS mix, retained, payload sizes. Per connection: \
            packets by type, bytes, publish rate, keep-alive and pings, reconnects of a client id, how it \
            ended, TCP retransmissions, gaps, RTT and zero windows. Latencies (count, min, p50, p90, p99, max, from HDR \
            histograms) of CONNECT→CONNACK, PUBLISH→PUBACK, PUBLISH→PUBREC→PUBREL→PUBCOMP (each step), \
            SUBSCRIBE→SUBACK, UNSUBSCRIBE→UNSUBACK, PINGREQ→PINGRESP, by who asked; STOMP receipts and \
            acks; beside them TCP round trips (SYN→ACK, data→ACK by who sent the data). Fan-out: each client PUBLISH matched to its deliveries by topic and payload digest. \
            Memory is bounded: at most --max-topics topics are listed, the rest counted in "other".

            JSON follows docs/schema/stats-v2.json ("schema": "mqscope.stats/2"); CSV writes one \
            --table. Exit status: 0, or 2 when a file cannot be read.
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var decoding: DecodeOptions
    @OptionGroup var aggregation: AggregationOptions

    @Option(help: "Output format: text, json (schema mqscope.stats/2) or csv.")
    var format: StatsFormat = .text

    @Option(help: "For --format csv: the table (topics, connections, latency, rates, destinations).")
    var table: StatsTable = .topics

    func run() throws {
        var options = input.analysisOptions
        options.mqttVersion = decoding.mqttVersion
        let stats = aggregation.statsOptions
        var out = Output()
        var json = JSONWriter(out: Output())
        if format == .json {
            json.objectStart()
            json.key("schema", StatsRender.schema)
            json.key("files")
            json.arrayStart()
        }
        var failed = false
        for (n, path) in input.files.enumerated() {
            var collector = StatsCollector(options: stats)
            do {
                let summary = try CaptureAnalysis.run(path: path, options: options, sink: &collector)
                collector.finish()
                var file = summary
                file.name = displayName(path)
                switch format {
                case .text:
                    if n > 0 { out.byte(0x0A) }
                    StatsRender.text(collector, file: file, into: &out)
                case .json: StatsRender.json(collector, file: file, into: &json)
                case .csv: StatsRender.csv(collector, file: file, table: table, header: n == 0, into: &out)
                }
                if let damage = summary.damaged {
                    Diagnostics.warn("\(displayName(path)): \(damage); frames before it were processed")
                }
            } catch {
                Diagnostics.error("\(displayName(path)): \(error.message)")
                failed = true
            }
        }
        if format == .json {
            json.arrayEnd()
            json.objectEnd()
            json.endLine()
            json.out.flush()
        }
        out.flush()
        if failed { throw ExitCode(ExitStatus.unusableInput) }
    }
}

extension StatsFormat: ExpressibleByArgument {}
extension StatsTable: ExpressibleByArgument {}

/// How `stats` and `report` aggregate topics and time.
struct AggregationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Roll topics up to their first N levels (a/b/#).", valueName: "n"))
    var depth: Int?

    @Option(help: ArgumentHelp("Topics (and $SYS topics, STOMP destinations) kept; the rest are counted together.", valueName: "n"))
    var maxTopics: Int = 1000

    @Option(help: ArgumentHelp("Width of the rate-over-time buckets.", valueName: "seconds"))
    var interval: Double = 1

    func validate() throws {
        if let depth, depth < 1 { throw ValidationError("--depth must be at least 1.") }
        if maxTopics < 2 { throw ValidationError("--max-topics must be at least 2.") }
        if !(interval >= 0.000_001 && interval <= 86_400 * 365) { throw ValidationError("--interval must be between 1 µs and a year.") }
    }

    var statsOptions: StatsOptions {
        var o = StatsOptions()
        o.depth = depth
        o.maxTopics = maxTopics
        o.interval = Int64((interval * 1e9).rounded())
        return o
    }
}
