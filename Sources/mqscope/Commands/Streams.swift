import ArgumentParser
import Analysis
import PacketCapture
import Rendering
import TCPReassembly
import WireCore

struct Streams: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every TCP connection: endpoints, times, bytes each way, protocol, gaps and how it ended.",
        discussion: """
            One row per TCP connection, in order of first appearance. Frames and bytes count whole \
            frames, as `tshark -z conv,tcp` does; DATA counts the reassembled stream bytes. GAPS are \
            holes the capture did not contain, OVL retransmitted bytes seen again (!N of them differing), \
            OOO segments that arrived out of order. Exit status: 0, or 2 when a file cannot be read.
            """)

    @OptionGroup var input: InputOptions

    @Option(help: "Output format: text (default) or json (schema mqscope.streams/1).")
    var format: OutputFormat = .text

    func run() throws {
        let options = input.analysisOptions
        var results: [(FileSummary, [ConnectionSummary])] = []
        var failed = false
        for path in input.files {
            var sink = StreamsSink()
            do {
                let summary = try CaptureAnalysis.run(path: path, options: options, sink: &sink)
                results.append((summary, sink.connections))
                if let damage = summary.damaged { Diagnostics.warn("\(path): \(damage); frames before it were processed") }
            } catch {
                Diagnostics.error("\(displayName(path)): \(error.message)")
                failed = true
            }
        }
        var out = Output()
        switch format {
        case .text:
            StreamsText.render(results, multipleFiles: input.files.count > 1, width: StreamsText.terminalWidth(), into: &out)
        case .json: StreamsJSON.render(results, into: &out)
        }
        out.flush()
        if failed { throw ExitCode(ExitStatus.unusableInput) }
    }
}
