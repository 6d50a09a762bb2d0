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
            let threads = sharding.map { threadCount(for: path, requested: $0.threads) } ?? 1
            let summary = if let sharding, threads > 1 {
                try sharding.run(path, options, threads, &report)
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

/// How to split a file's connections between threads: `threads` as asked (nil: the default of
/// `threadCount`) and the run that does it.
struct Sharding<R: PerFileReport> {
    var threads: Int?
    var run: (String, AnalysisOptions, Int, inout R) throws(CaptureError) -> FileSummary

    /// Output in capture order, byte-identical to one thread (`CaptureAnalysis.runOrdered`).
    static func ordered(threads: Int?) -> Sharding where R: OrderedShardSink {
        Sharding(threads: threads) { (path, options, n, report) throws(CaptureError) in
            try CaptureAnalysis.runOrdered(path: path, options: options, shards: n, sink: &report)
        }
    }

    /// For reports whose output does not depend on packet order across connections or on connection
    /// IDs (counting): each thread reassembles only its share (`CaptureAnalysis.runSharded`).
    static func merged(threads: Int?, makeSink: @escaping () -> R, merge: @escaping (inout R, R) -> Void) -> Sharding {
        Sharding(threads: threads) { (path, options, n, report) throws(CaptureError) in
            try CaptureAnalysis.runSharded(path: path, options: options, shards: n, sink: &report,
                                           makeShardSink: makeSink, merge: merge)
        }
    }
}

/// Threads for one file. Only a regular file can be read by several threads (each opens it);
/// `--threads N` is then taken as asked, up to the processors available. By default: one thread
/// for a capture under `smallCapture` bytes (starting threads costs more than they save), or when
/// the machine is busy (the last minute's load average leaves no processor free: extra threads would
/// only compete with the other work), else the processors available, at most 4.
func threadCount(for path: String, requested: Int?) -> Int {
    guard isRegularFile(path) else { return 1 }
    let processors = ProcessInfo.processInfo.activeProcessorCount
    if let requested { return max(1, min(requested, processors)) }
    var st = stat()
    guard stat(path, &st) == 0, Int(st.st_size) >= smallCapture else { return 1 }
    var load = [0.0]
    if getloadavg(&load, 1) == 1, load[0] > Double(processors) - 1 { return 1 }
    return min(4, processors)
}

let smallCapture = 32 << 20
