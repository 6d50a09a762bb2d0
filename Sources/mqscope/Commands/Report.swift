import ArgumentParser
import Foundation
import Analysis
import PacketCapture
import Rendering
import Statistics
import HTMLReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one self-contained HTML report of captures: findings, ladders, latencies, rates, topics.",
        discussion: """
            The page needs no network (styles and scripts inline) and its static parts read without \
            JavaScript: the capture's summary; the findings, each linked to its packet's field tree and \
            bytes with the offending bytes highlighted; a ladder diagram per connection (client left, \
            broker right, time down, findings marked; long sessions folded); latency histograms, \
            message rates over time, broker fan-out and the topic tree. Bounded: at most 1000 arrows \
            per connection and 2000 packets with findings are kept. `check --html FILE` writes the same \
            page. Exit status: 0, or 2 when a file cannot be read or the report cannot be written.
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var decoding: DecodeOptions
    @OptionGroup var aggregation: AggregationOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the HTML file.", valueName: "file"))
    var output: String

    func run() throws {
        var options = input.analysisOptions
        options.mqttVersion = decoding.mqttVersion
        let ok = writeHTMLReport(files: input.files, options: options, check: CheckConfig(), stats: aggregation.statsOptions,
                                 context: decoding.renderContext(), to: output)
        if !ok { throw ExitCode(ExitStatus.unusableInput) }
    }
}

/// Analyses each file into a `ReportSink` and writes the page to `path`; false when a file could
/// not be read or the page not written (each named on standard error).
func writeHTMLReport(files: [String], options: AnalysisOptions, check: CheckConfig, stats: StatsOptions,
                     context: FieldRenderContext, to path: String) -> Bool {
    var ok = true
    var parts: [ReportFile] = []
    for file in files {
        var sink = ReportSink(check: check, stats: stats, context: context)
        sink.beginFile(displayName(file))
        do {
            var summary = try CaptureAnalysis.run(path: file, options: options, sink: &sink)
            sink.endFile(summary)
            summary.name = displayName(file)
            parts.append(ReportFile(summary: summary, sink: sink))
        } catch {
            Diagnostics.error("\(displayName(file)): \(error.message)")
            ok = false
        }
    }
    let html = HTMLReport.render(parts, title: files.map(displayName).joined(separator: ", "))
    do { try html.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        Diagnostics.error("cannot write \(path): \(error.localizedDescription)")
        ok = false
    }
    return ok
}
