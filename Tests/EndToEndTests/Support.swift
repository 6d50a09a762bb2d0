import Foundation
import Analysis
import TestSupport

extension Paths {
    /// The built `mqscope` executable (beside the test bundle), or MQSCOPE_BIN.
    static var executable: URL {
        if let p = ProcessInfo.processInfo.environment["MQSCOPE_BIN"] { return URL(fileURLWithPath: p) }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = me.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("mqscope")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/mqscope")
    }
}

/// Runs a program to completion; returns its exit status, standard output and standard error.
/// Output goes through temporary files, so large outputs cannot dead-lock on a full pipe.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil, in directory: URL? = nil,
                environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    let outURL = tmp.appendingPathComponent("out"), errURL = tmp.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = directory }
    if !environment.isEmpty {
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    p.standardOutput = try FileHandle(forWritingTo: outURL)
    p.standardError = try FileHandle(forWritingTo: errURL)
    if let stdin {
        let inURL = tmp.appendingPathComponent("in")
        try stdin.write(to: inURL)
        p.standardInput = try FileHandle(forReadingFrom: inURL)
    } else {
        p.standardInput = FileHandle.nullDevice
    }
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, try String(contentsOf: outURL, encoding: .utf8), try String(contentsOf: errURL, encoding: .utf8))
}

func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let p = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// Collects finished connections.
struct CollectingSink: AnalysisSink {
    var connections: [ConnectionSummary] = []
    var notes: [FileNote] = []
    mutating func connectionFinished(_ c: ConnectionSummary) { connections.append(c) }
    mutating func fileNote(_ n: FileNote) { notes.append(n) }
}

/// Validates each JSON document (one per line when `lines`) against a schema in docs/schema/
/// with Python's jsonschema; returns the validator's complaints (empty = valid).
func schemaViolations(_ json: String, schema: String, lines: Bool = false) throws -> String {
    let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        data = sys.stdin.read()
        docs = [json.loads(l) for l in data.splitlines() if l.strip()] if sys.argv[2] == "lines" else [json.loads(data)]
        v = jsonschema.Draft202012Validator(schema)
        errs = [f"{list(e.absolute_path)}: {e.message}" for d in docs for e in v.iter_errors(d)]
        print("\\n".join(errs[:20]))
        sys.exit(1 if errs or not docs else 0)
        """
    guard let python = which("python3") else { return "python3 not found" }
    let schemaPath = Paths.root.appendingPathComponent("docs/schema/\(schema)").path
    let r = try runProcess(python, ["-c", script, schemaPath, lines ? "lines" : "one"], stdin: Data(json.utf8))
    return r.status == 0 ? "" : (r.out + r.err)
}
