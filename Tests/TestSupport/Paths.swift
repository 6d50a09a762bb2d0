import Foundation
import Testing

/// Where the tests find the project's captures and fixtures, and the peer corpus beside it.
public enum Paths {
    /// The package root, found from this file's location (Tests/TestSupport/Paths.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let captures = root.appendingPathComponent("captures")
    public static let fixtures = root.appendingPathComponent("Fixtures")
    /// The peer corpus (real captures from other projects' test suites); see `Corpus`.
    public static var external: URL { Corpus.directory }

    /// Every pcap/pcapng below `dir` (subfolders too), sorted by path.
    public static func captureFiles(under dir: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        var out: [URL] = []
        for case let u as URL in e where ["pcap", "pcapng"].contains(u.pathExtension) { out.append(u) }
        return out.sorted { $0.path < $1.path }
    }

    /// The pcap/pcapng files directly in `dir`, sorted by name.
    public static func files(in dir: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
            .map { dir.appendingPathComponent($0) }
    }
}

/// The peer corpus is not part of the repository: it sits at `../shared/corpus/external` beside the
/// clone on developer machines and in CI, or wherever `MQSCOPE_CORPUS` points. Suites that need it
/// carry `Corpus.required`: without it they are skipped with one line saying so (and how to supply
/// it); with `CI=true` its absence is a failure (`CorpusPresenceTests`).
public enum Corpus {
    public static let environmentVariable = "MQSCOPE_CORPUS"

    public static let directory: URL = {
        if let p = ProcessInfo.processInfo.environment[environmentVariable], !p.isEmpty {
            return URL(fileURLWithPath: p)
        }
        return Paths.root.deletingLastPathComponent().appendingPathComponent("shared/corpus/external")
    }()

    public static let isAvailable: Bool = {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir) && isDir.boolValue
    }()

    /// CI runs with `CI=true`; there the corpus must be present.
    public static var isRequiredByEnvironment: Bool {
        ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
    }

    public static let skipNote: Comment = """
        needs the peer corpus, absent at \(directory.path): put it at ../shared/corpus/external beside \
        the clone or set \(environmentVariable)=/path/to/corpus/external
        """

    /// The trait of a suite or test that reads the peer corpus.
    public static var required: ConditionTrait { .enabled(if: isAvailable, skipNote) }

    /// `files` without those inside the corpus when it is absent (for tests over every capture).
    public static func capturesIncludingCorpus() -> [URL] {
        Paths.captureFiles(under: Paths.captures) + (isAvailable ? Paths.captureFiles(under: directory) : [])
    }
}
