import Analysis
import PacketCapture

/// A report that takes capture files one after the other (`read`, `check`).
protocol PerFileReport: AnalysisSink, SendableMetatype {
    mutating func beginFile(_ name: String)
    mutating func endFile(_ summary: FileSummary?)
}

extension ReadReport: PerFileReport {}
extension CheckReport: PerFileReport {}

/// Runs the analysis over every file into `report`: an unreadable file is named on standard error
/// and skipped, a damaged one is warned about. Returns false when some file could not be used.
func analyzeFiles<R: PerFileReport>(_ files: [String], options: AnalysisOptions, into report: inout R,
                                    sharding: Sharding<R>? = nil, control: RunControl = RunControl()) -> Bool {
    var allUsable = true
    for path in files {
        report.beginFile(displayName(path))
        do {
            let summary = if let sharding, sharding.threads > 1, path != "-" {
                try CaptureAnalysis.runSharded(path: path, options: options, shards: sharding.threads, sink: &report,
                                               makeShardSink: sharding.makeSink, merge: sharding.merge)
            } else {
                try CaptureAnalysis.run(path: path, options: options, sink: &report, control: control)
            }
            report.endFile(summary)
            if let damage = summary.damaged {
                Diagnostics.warn("\(displayName(path)): \(damage); frames before it were processed")
            }
        } catch {
            report.endFile(nil)
            Diagnostics.error("\(displayName(path)): \(error.message)")
            allUsable = false
        }
    }
    return allUsable
}

/// How to split a file's connections between threads (`CaptureAnalysis.runSharded`): for reports
/// whose output does not depend on packet order across connections or on connection IDs.
struct Sharding<R: PerFileReport> {
    var threads: Int
    var makeSink: () -> R
    var merge: (inout R, R) -> Void
}
