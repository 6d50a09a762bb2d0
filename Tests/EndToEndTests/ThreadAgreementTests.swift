import Foundation
import Testing
import TestSupport

/// Every capture command that splits connections between threads writes, on any number of threads,
/// exactly what it writes on one: the same bytes on standard output and standard error and the same
/// exit status, for every bundled capture (captures/ and Fixtures/) and every output form.
@Suite struct ThreadAgreementTests {
    static let captures = Paths.captureFiles(under: Paths.captures) + Paths.captureFiles(under: Paths.fixtures)

    static let readForms: [[String]] = [
        [],
        ["-V", "-x", "-t", "ad"],
        ["--format", "json"],
        ["--format", "json", "--schema", "3"],
        ["--format", "ndjson", "-V", "--show-secrets"],
        ["-T", "fields", "-e", "frame", "-e", "connection", "-e", "type", "-e", "topic", "-E", "header=y"],
        ["-Y", "mqtt.msgtype == 3 || stomp || websocket"],
    ]

    @Test("read: one thread and two agree byte for byte", arguments: readForms)
    func read(_ form: [String]) throws {
        #expect(Self.captures.count > 70)
        for file in Self.captures {
            let one = try runProcess(Paths.executable.path, ["read", "--threads", "1"] + form + [file.path])
            let two = try runProcess(Paths.executable.path, ["read", "--threads", "2"] + form + [file.path])
            #expect(one.out == two.out, "\(file.lastPathComponent) \(form)")
            #expect(one.err == two.err && one.status == two.status, "\(file.lastPathComponent) \(form)")
        }
    }

    /// Several files in one run (file headers, one JSON document with a member per file).
    @Test func readSeveralFiles() throws {
        let files = Paths.files(in: Paths.captures).map(\.path)
        for form in [[], ["--format", "json"], ["--format", "ndjson"], ["-T", "fields", "-e", "frame"]] {
            let one = try runProcess(Paths.executable.path, ["read", "--threads", "1"] + form + files)
            let two = try runProcess(Paths.executable.path, ["read", "--threads", "2"] + form + files)
            #expect(one.out == two.out && one.err == two.err && one.status == two.status, "\(form)")
            #expect(one.out.count > 1000)
        }
    }
}
