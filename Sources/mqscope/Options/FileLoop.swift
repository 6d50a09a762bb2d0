import Foundation
import Analysis
import PacketCapture

/// A report that takes capture files one after the other (`read`, `check`).
protocol PerFileReport: AnalysisSink, SendableMetatype {
    mutating func beginFile(_ name: String)
    mutating func endFile(_ summary: FileSummary?)
    /// The current file could not be read: why (before `endFile(nil)`).
    mutating func fileFailed(_ message: String)
}

extension PerFileReport {
    mutating func fileFailed(_ message: String) {}
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
            // Shards re-open the file, one handle each: only a regular file can be read more than once
            // (standard input, a FIFO or a process substitution `<(…)` is read once, on one thread).
            let summary = if let sharding, sharding.threads > 1, isRegularFile(path) {
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
            report.fileFailed(error.message)
            report.endFile(nil)
            Diagnostics.error("\(displayName(path)): \(error.message)")
            allUsable = false
        }
    }
    return allUsable
}

/// Whether `path` names a regular file (not '-', a FIFO, a character device, `/dev/fd/N` of a pipe).
func isRegularFile(_ path: String) -> Bool {
    guard path != "-" else { return false }
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// How to split a file's connections between threads (`CaptureAnalysis.runSharded`): for reports
/// whose output does not depend on packet order across connections or on connection IDs.
struct Sharding<R: PerFileReport> {
    var threads: Int
    var makeSink: () -> R
    var merge: (inout R, R) -> Void
}
