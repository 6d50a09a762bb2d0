// libFuzzer target for whole captures through every command's path (issue 12, item 1). Build and
// run with `scripts/fuzz.sh FuzzCapture SECONDS` (its seeds are the bundled captures, so libFuzzer
// mutates real pcap and pcapng files).
//
// Input: a capture. One that starts with a pcap or pcapng magic is read as it is (mutations of the
// bundled captures); any other input is arbitrary bytes put behind a valid pcap header (Ethernet,
// snap length 262144, nanosecond timestamps). The capture is read from memory by libpcap, as a file
// is, and run in-process through the library functions each command calls, their output written to
// memory and dropped:
//   streams (`StreamsSink`, text and JSON tables), read (`ReadReport`: text, -V, json, ndjson),
//   check (`CheckReport`: text, JSON, JUnit), stats (`StatsCollector`: text, JSON, CSV) and the
//   HTML report (`ReportSink`, `HTMLReport.render`).
// A trap anywhere (an integer conversion of a wire value, an out-of-range index) is a finding.
//
// Built without `-D FUZZING` (plain `swift build`), the target is a replayer instead:
// `FuzzCapture FILE...` runs each file through the same function.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Analysis
import HTMLReport
import PacketCapture
import ReplayInputs
import Rendering
import Statistics
import WireCore

/// The pcap header put in front of inputs that are not a capture (LINKTYPE_ETHERNET).
let pcapHeader: [UInt8] = [
    0x4d, 0x3c, 0xb2, 0xa1,  // nanosecond pcap, little-endian
    0x02, 0x00, 0x04, 0x00,  // version 2.4
    0, 0, 0, 0, 0, 0, 0, 0,  // zone, sigfigs
    0x00, 0x00, 0x04, 0x00,  // snap length 262144
    0x01, 0x00, 0x00, 0x00,  // Ethernet
]

func isCapture(_ b: UnsafeRawBufferPointer) -> Bool {
    guard b.count >= 4 else { return false }
    let m = (b[0], b[1], b[2], b[3])
    return m == (0xd4, 0xc3, 0xb2, 0xa1) || m == (0xa1, 0xb2, 0xc3, 0xd4)
        || m == (0x4d, 0x3c, 0xb2, 0xa1) || m == (0xa1, 0xb2, 0x3c, 0x4d)
        || m == (0x0a, 0x0d, 0x0d, 0x0a)
}

/// Output held in memory (fd -1 is never written: the threshold is never reached) and dropped.
func sink() -> Output { Output(fd: -1, threshold: Int.max) }

/// Runs one pass of the analysis over the capture into `s`; nil when libpcap refuses the bytes.
func analyse<S: AnalysisSink>(_ capture: UnsafeRawBufferPointer, _ s: inout S, options: AnalysisOptions) -> FileSummary? {
    do {
        var source = try CaptureSource(memory: capture, name: "fuzz.pcap")
        return try CaptureAnalysis.run(source: &source, options: options, sink: &s, control: RunControl())
    } catch {
        return nil
    }
}

func everyCommand(_ capture: UnsafeRawBufferPointer) {
    var options = AnalysisOptions()
    // Small limits so that oversize packets, buffer caps and evictions are reached.
    options.maxPDUSize = 4096
    let context = FieldRenderContext(registry: Catalogs.registry)

    // streams
    var streams = StreamsSink()
    guard let summary = analyse(capture, &streams, options: options) else { return }
    var out = sink()
    StreamsText.render([(summary, streams.connections)], multipleFiles: false, width: 80, into: &out)
    StreamsJSON.render([(summary, streams.connections)], into: &out)

    // read, in every form
    for (format, verbose) in [(ReadReport.Format.text, false), (.text, true), (.json, true), (.ndjson, false)] {
        var read = ReadReport(format: format, verbose: verbose, countOnly: false, context: context,
                              filter: PacketFilter(), out: sink())
        read.hexDump = verbose
        read.beginRun()
        read.beginFile("fuzz.pcap")
        let s = analyse(capture, &read, options: options)
        read.endFile(s)
        read.endRun()
    }

    // check: text, JSON, JUnit
    var config = CheckConfig()
    config.maxFindings = 1000
    var check = CheckReport(config: config)
    check.beginFile("fuzz.pcap")
    check.endFile(analyse(capture, &check, options: options))
    _ = check.text(failOn: .error, explain: true)
    _ = check.json(failOn: .error)
    _ = check.junit(failOn: .error, requiredConnections: 1)

    // stats: text, JSON, CSV
    var stats = StatsCollector(options: StatsOptions())
    if let s = analyse(capture, &stats, options: options) {
        stats.finish()
        var o = sink()
        StatsRender.text(stats, file: s, into: &o)
        var w = JSONWriter(out: sink())
        StatsRender.json(stats, file: s, into: &w)
        for table in StatsTable.allCases { StatsRender.csv(stats, file: s, table: table, header: true, into: &o) }
    }

    // the HTML report
    var report = ReportSink(check: config, stats: StatsOptions(), context: context)
    report.beginFile("fuzz.pcap")
    if let s = analyse(capture, &report, options: options) {
        report.endFile(s)
        _ = HTMLReport.render([ReportFile(summary: s, sink: report)], title: "fuzz.pcap")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    if isCapture(input) {
        everyCommand(input)
    } else {
        var bytes = pcapHeader
        bytes.append(contentsOf: input)
        bytes.withUnsafeBytes { everyCommand($0) }
    }
    return 0
}

#if !FUZZING
@main
struct Replay {
    static func main() {
        replayThroughFuzzEntry(fuzz)
    }
}
#endif
